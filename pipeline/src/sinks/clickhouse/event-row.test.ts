import type { CanonicalEvent } from '@watchfloor/contracts'
import { describe, expect, it } from 'vitest'
import { eventRowJson, eventToRow, isObjectText } from './event-row.js'
import { rowJson } from './values.js'

const COLUMNS = [
  'event_id', 'timestamp', 'ingested_at', 'source', 'decoder', 'decode_status', 'decode_notes', 'event_kind', 'event_category',
  'event_type', 'event_action', 'event_code', 'event_outcome', 'event_dataset', 'event_module', 'event_provider', 'event_severity',
  'legacy_event_type', 'source_ip', 'source_port', 'destination_ip', 'destination_port', 'network_transport', 'network_protocol',
  'user_name', 'user_domain', 'user_id', 'user_target_name', 'host_name', 'host_ip', 'process_pid', 'process_name',
  'process_executable', 'process_command_line', 'process_parent_name', 'process_parent_executable', 'process_parent_command_line',
  'rule_id', 'rule_name', 'rule_category', 'url_original', 'file_path', 'registry_path', 'cloud_provider', 'cloud_region',
  'cloud_account_id', 'user_agent', 'message', 'original', 'original_encoding',
]

const minimal: CanonicalEvent = {
  '@timestamp': '2024-03-01T12:34:56.789Z',
  event: { id: 'id-1', ingested: '2024-03-01T12:35:00.001Z' },
  watchfloor: { decoder: 'unknown', decode_status: 'unknown', source: 'http' },
}

describe('eventToRow', () => {
  it('has exactly the table columns, with defaults for absent fields', () => {
    const row = eventToRow(minimal, '{"a":1}')
    expect(Object.keys(row)).toEqual(COLUMNS)
    expect(row).toMatchObject({
      event_id: 'id-1',
      timestamp: '2024-03-01 12:34:56.789',
      ingested_at: '2024-03-01 12:35:00.001',
      source: 'http',
      decoder: 'unknown',
      decode_status: 'unknown',
      decode_notes: [],
      event_category: [],
      event_type: [],
      event_kind: '',
      event_severity: 0,
      source_port: 0,
      destination_port: 0,
      process_pid: 0,
      host_ip: [],
      message: '',
      original: '{"a":1}',
    })
  })

  it('flattens every mapped field into its column', () => {
    const ev: CanonicalEvent = {
      ...minimal,
      event: { ...minimal.event, kind: 'alert', category: ['network'], type: ['connection'], action: 'allowed', code: '2019284', outcome: 'failure', dataset: 'suricata.eve', module: 'suricata', provider: 'p', severity: 73 },
      source: { ip: '10.0.0.1', port: 51234 },
      destination: { ip: '2001:db8::1', port: 443 },
      network: { transport: 'tcp', protocol: 'tls' },
      user: { name: 'alice', domain: 'CORP', id: 'S-1-5-21-1', target: { name: 'root' } },
      host: { name: 'web-1', ip: ['10.0.0.2', '10.0.0.3'] },
      process: { pid: 4242, name: 'cmd.exe', executable: 'C:\\cmd.exe', command_line: 'cmd /c x', parent: { name: 'explorer.exe', executable: 'C:\\explorer.exe', command_line: 'explorer' } },
      rule: { id: 'r1', name: 'Rule one', category: 'Attempted Admin' },
      url: { original: '/login' },
      file: { path: '/etc/passwd' },
      registry: { path: 'HKLM\\x' },
      cloud: { provider: 'aws', region: 'eu-west-1', account: { id: '123' } },
      user_agent: { original: 'curl/8' },
      message: 'hello',
      watchfloor: { decoder: 'suricata', decode_status: 'partial', decode_notes: ['src_port: bad'], source: 'kafka', event_type: 'alert' },
    }
    const row = eventToRow(ev, 'raw')
    expect(row).toMatchObject({
      event_kind: 'alert', event_category: ['network'], event_type: ['connection'], event_action: 'allowed', event_code: '2019284',
      event_outcome: 'failure', event_dataset: 'suricata.eve', event_module: 'suricata', event_provider: 'p', event_severity: 73,
      legacy_event_type: 'alert', decode_status: 'partial', decode_notes: ['src_port: bad'], source: 'kafka',
      source_ip: '10.0.0.1', source_port: 51234, destination_ip: '2001:db8::1', destination_port: 443,
      network_transport: 'tcp', network_protocol: 'tls', user_name: 'alice', user_domain: 'CORP', user_id: 'S-1-5-21-1',
      user_target_name: 'root', host_name: 'web-1', host_ip: ['10.0.0.2', '10.0.0.3'], process_pid: 4242, process_name: 'cmd.exe',
      process_executable: 'C:\\cmd.exe', process_command_line: 'cmd /c x', process_parent_name: 'explorer.exe',
      process_parent_executable: 'C:\\explorer.exe', process_parent_command_line: 'explorer', rule_id: 'r1', rule_name: 'Rule one',
      rule_category: 'Attempted Admin', url_original: '/login', file_path: '/etc/passwd', registry_path: 'HKLM\\x',
      cloud_provider: 'aws', cloud_region: 'eu-west-1', cloud_account_id: '123', user_agent: 'curl/8', message: 'hello',
    })
  })

  it('zeroes numbers outside their ClickHouse type instead of emitting invalid values', () => {
    const ev = { ...minimal, source: { port: 70000 }, process: { pid: -1 }, event: { ...minimal.event, severity: 300 } } as CanonicalEvent
    const row = eventToRow(ev, '')
    expect(row.source_port).toBe(0)
    expect(row.process_pid).toBe(0)
    expect(row.event_severity).toBe(0)
  })

  it('normalizes a non-canonical @timestamp and falls back to the ingest time', () => {
    expect(eventToRow({ ...minimal, '@timestamp': '2024-03-01T13:34:56.7+01:00' }, '').timestamp).toBe('2024-03-01 12:34:56.700')
    expect(eventToRow({ ...minimal, '@timestamp': 'not a time' }, '').timestamp).toBe('2024-03-01 12:35:00.001')
  })

  it('keeps NUL, control characters, emoji and lone surrogates valid in one JSONEachRow line', () => {
    const nasty = 'a\u0000b\u0001c\nd\re\t"f"\\g 🚀 ü \ud800 \u2028'
    const row = eventToRow({ ...minimal, message: nasty, user: { name: nasty } }, nasty)
    const line = JSON.stringify(row)
    expect(line).not.toContain('\n')
    expect(line).not.toContain('\u0000')
    expect(line).toContain('\\u0000')
    expect(line).toContain('\\ud800')
    const back = JSON.parse(line) as { message: string; user_name: string; original: string }
    expect(back.message).toBe(nasty)
    expect(back.user_name).toBe(nasty)
    expect(back.original).toBe(nasty)
  })
})

describe('rows with lone surrogates (a broken emoji, a hostile record)', () => {
  it('encodes a lone surrogate as U+FFFD, keeps pairs and escaped backslashes as they are', async () => {
    const { rowJson } = await import('./values.js')
    expect(rowJson({ a: 'x\ud800y', b: 'ok \ud83d\ude00', c: '\\ud800 is text', d: '\\\ud800' })).toBe('{"a":"x\\ufffdy","b":"ok 😀","c":"\\\\ud800 is text","d":"\\\\\\ufffd"}')
    expect(JSON.parse(rowJson({ a: '\udc00' })).a).toBe('\ufffd')
  })
})

describe('eventRowJson, the row text the workers write', () => {
  /** The definition: `eventToRow` serialised without its empty strings, zeros and empty arrays. */
  const sparse = (ev: CanonicalEvent, raw: string) => {
    const row = eventToRow(ev, raw) as Record<string, unknown>
    const kept = Object.fromEntries(Object.entries(row).filter(([, v]) => v !== '' && v !== 0 && !(Array.isArray(v) && v.length === 0)))
    return rowJson(kept)
  }
  const cases: Array<[string, CanonicalEvent, string]> = [
    ['minimal', minimal, '{"a":1}'],
    ['no original', minimal, ''],
    ['out-of-range numbers and mixed arrays', { ...minimal, source: { ip: '10.0.0.1', port: 70000 }, destination: { port: 0 }, process: { pid: 12.5 }, host: { ip: ['10.0.0.2', 7 as unknown as string] }, event: { ...minimal.event, severity: 255, category: [] } } as CanonicalEvent, 'x'],
    ['text that needs escaping', { ...minimal, message: 'a\u0000"b"\\c\n🚀 \u2028', user: { name: 'CORP\\alice' } }, 'line "one"'],
    ['a lone surrogate', { ...minimal, message: 'x\ud800y' }, 'raw \udc00'],
    ['a bad timestamp', { ...minimal, '@timestamp': 'not a time' }, ''],
    ['bytes that were not UTF-8', { ...minimal, watchfloor: { ...minimal.watchfloor, original_encoding: 'base64', decode_notes: ['not valid UTF-8'] } }, '/w=='],
  ]
  it.each(cases)('%s: the same text as the sparse row', (_, ev, raw) => {
    expect(eventRowJson(ev, raw)).toBe(sparse(ev, raw))
    expect(() => JSON.parse(eventRowJson(ev, raw))).not.toThrow()
  })
})

describe('an original that is one JSON object text', () => {
  it('is written as the object itself, verbatim, and the rest of the row is unchanged', () => {
    const raw = '{"a":"x\\"y \\ud800","b":[1,{"c":null}],"original":"t"}'
    const row = eventRowJson(minimal, raw, true)
    expect(row).toBe(eventRowJson(minimal, '').slice(0, -1) + ',"original":' + raw + '}')
    expect(JSON.parse(row).original).toEqual(JSON.parse(raw))
  })

  it('is told apart from text that only looks like one', () => {
    expect(isObjectText('{"a":1}', { a: 1 })).toBe(true)
    expect(isObjectText(' {"a":1}', { a: 1 })).toBe(false)
    expect(isObjectText('[{"a":1}]', [{ a: 1 }])).toBe(false)
    expect(isObjectText('{"a":1}\t', { a: 1 })).toBe(false)
    expect(isObjectText('"{}"', '{}')).toBe(false)
  })
})
