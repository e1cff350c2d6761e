import { describe, expect, it } from 'vitest'
import { isZeekTsv, parseZeekTsv, zeekPathFromFileName } from './zeek_tsv.js'

const header = (path: string | undefined, fields: string[], types: string[]) =>
  ['#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', ...(path ? [`#path\t${path}`] : []), `#fields\t${fields.join('\t')}`, `#types\t${types.join('\t')}`].join('\n')

const CONN = header('conn', ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'duration', 'orig_bytes', 'local_orig', 'tunnel_parents', 'history'], ['time', 'string', 'addr', 'port', 'addr', 'port', 'enum', 'interval', 'count', 'bool', 'set[string]', 'string'])

describe('Zeek ASCII logs', () => {
  it('recognises a Zeek log by its first header line only', () => {
    expect(isZeekTsv(CONN)).toBe(true)
    expect(isZeekTsv('\uFEFF' + CONN)).toBe(true)
    expect(isZeekTsv('hello #separator \\x09')).toBe(false)
    expect(isZeekTsv('{"ts":1}')).toBe(false)
  })

  it('gives each row as the Zeek JSON entry: typed by #types, unset left out, empty sets empty, _path from #path', () => {
    const text = `${CONN}\n1795946400.123456\tCx1\t10.0.0.66\t50100\t10.0.0.10\t445\ttcp\t0.5\t1200\tT\t(empty)\t-\n1795946401.5\tCx2\t10.0.0.66\t50101\t10.0.0.11\t22\ttcp\t-\t-\tF\tCa,Cb\tSh\\x09x\n#close\t2026-11-29-11-00-00\n`
    const out = parseZeekTsv(text)
    expect(out).toHaveLength(2)
    expect(out[0]).toMatchObject({ line: 8, value: { _path: 'conn', ts: 1795946400.123456, uid: 'Cx1', 'id.orig_h': '10.0.0.66', 'id.orig_p': 50100, 'id.resp_p': 445, duration: 0.5, orig_bytes: 1200, local_orig: true, tunnel_parents: [] } })
    expect(out[0]).not.toHaveProperty('value.history')
    expect(out[1]).toMatchObject({ value: { local_orig: false, tunnel_parents: ['Ca', 'Cb'], history: 'Sh\tx' } })
    expect(out[1]).not.toHaveProperty('value.duration')
    expect((out[1] as { raw: string }).raw.startsWith('1795946401.5\tCx2')).toBe(true)
  })

  it('takes the log type from the file name when #path is missing, and a new header replaces the old one', () => {
    const dns = header(undefined, ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'query', 'answers'], ['time', 'string', 'addr', 'port', 'addr', 'port', 'string', 'vector[string]'])
    const text = `${dns}\n1.0\tC1\t10.0.0.1\t5353\t10.0.0.2\t53\texample.com\t93.184.216.34,2606:2800::1\n${CONN}\n2.0\tC2\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t-\t-\t-\t-\t-\n`
    const out = parseZeekTsv(text, 'logs/dns.09:00:00-10:00:00.log')
    expect(out.map((e) => ('value' in e ? e.value._path : e.reason))).toEqual(['dns', 'conn'])
    expect(out[0]).toMatchObject({ value: { query: 'example.com', answers: ['93.184.216.34', '2606:2800::1'] } })
    expect(zeekPathFromFileName('smb_files.log.gz')).toBe('smb_files')
    expect(zeekPathFromFileName('notes.txt')).toBeUndefined()
  })

  it('reports a row that does not fit its header, and rows before any #fields line, with the line and reason', () => {
    const out = parseZeekTsv(`#separator \\x09\n1.0\tC0\n${CONN.split('\n').slice(1).join('\n')}\n1.0\tC1\t10.0.0.1\n`)
    expect(out).toEqual([
      { raw: '1.0\tC0', line: 2, reason: 'Zeek log row before its #fields header' },
      { raw: '1.0\tC1\t10.0.0.1', line: 9, reason: 'Zeek log row has 3 fields, #fields names 12' },
    ])
  })
})
