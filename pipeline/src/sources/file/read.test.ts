import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { gunzipSync, gzipSync } from 'node:zlib'
import { strToU8, unzipSync, zipSync } from 'fflate'
import { afterAll, describe, expect, it } from 'vitest'
import { dataPath, fixturePath, needData } from '../../../../test/support/data.js'
import { readRecords } from './read.js'

const lsassZip = 'dev/otrf/archives/SDWIN-201018195009.zip'
const auditdZip = 'dev/otrf/archives/SDLIN-201110074812.zip'
const aitGz = 'dev/ait/russellmitchell_alerts.csv.gz'
const otrf = needData(lsassZip, auditdZip)
const ait = needData(aitGz)
const tmp = mkdtempSync(path.join(os.tmpdir(), 'wf-file-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))
const file = (name: string, content: string | Uint8Array) => {
  const p = path.join(tmp, name)
  writeFileSync(p, content)
  return p
}

/** Fixture inputs packed the way the datasets ship: a zip of one JSON-lines member, a zip of one auditd log, a gzipped CSV. */
const fixtureZip = (name: string, member: string, fixture: string) => file(name, zipSync({ [member]: readFileSync(fixturePath(...fixture.split('/'))) }))

async function numbersArchiveLines(zip: string) {
  const expected = Object.values(unzipSync(readFileSync(zip)))
    .map((b) => Buffer.from(b).toString('utf8').split('\n').filter((l) => l.trim()).length)
    .reduce((a, b) => a + b, 0)
  expect(expected).toBeGreaterThan(0)
  const { records, problems } = await readRecords([zip])
  expect(problems).toEqual([])
  expect(records).toHaveLength(expected)
  expect(records[0]).toMatchObject({ input: zip, line: 1, kind: 'json' })
  expect(records.at(-1)!.line).toBe(expected)
  expect(JSON.parse(records[0]!.raw)).toHaveProperty('EventID')
}

async function readsAuditdInZip(zip: string) {
  const { records } = await readRecords([zip])
  expect(records.length).toBeGreaterThan(5)
  expect(records.every((r) => r.kind === 'text')).toBe(true)
  expect(records[0]!.raw).toMatch(/^type=SYSCALL msg=audit\(/)
}

async function readsGzippedCsv(gz: string) {
  const { records } = await readRecords([gz])
  const dataRows = gunzipSync(readFileSync(gz)).toString('utf8').split('\n').filter((l) => l.trim()).length - 1
  expect(dataRows).toBeGreaterThan(0)
  expect(records).toHaveLength(dataRows)
  expect(records[0]!.kind).toBe('csv')
  expect(records[0]!.cells).toHaveProperty('ip')
  expect(records[0]!.line).toBe(1)
}

describe('readRecords', () => {
  it('numbers every OTRF archive line from 1 and sniffs JSON lines under .json names (fixture)', async () => {
    await numbersArchiveLines(fixtureZip('SDWIN-190518210125.zip', 'empire_smbexec_dcerpc_smb_svcctl_2020-09-20025716.json', 'otrf/SDWIN-190518210125.sample.json'))
  })

  it.skipIf(!otrf.have)(otrf.title('numbers every OTRF archive line from 1 and sniffs JSON lines under .json names (full archive)'), async () => {
    await numbersArchiveLines(dataPath(lsassZip))
  })

  it('reads auditd .log lines inside a zip as text records (fixture)', async () => {
    await readsAuditdInZip(fixtureZip('SDLIN-201110074812.zip', 'sh_arp_cache_2020-11-10074812.log', 'otrf/SDLIN-201110074812.log'))
  })

  it.skipIf(!otrf.have)(otrf.title('reads auditd .log lines inside a zip as text records (full archive)'), async () => {
    await readsAuditdInZip(dataPath(auditdZip))
  })

  it('reads a gzipped CSV with its header as cells, the header not being a record (fixture)', async () => {
    await readsGzippedCsv(file('russellmitchell_alerts.sample.csv.gz', gzipSync(readFileSync(fixturePath('ait', 'russellmitchell_alerts.sample.csv')))))
  })

  it.skipIf(!ait.have)(ait.title('reads a gzipped CSV with its header as cells, the header not being a record (full file)'), async () => {
    await readsGzippedCsv(dataPath(aitGz))
  })

  it('numbers across the files of an archive in name order, and each input from 1', async () => {
    const zip = file('two.zip', zipSync({ 'b.ndjson': strToU8('{"n":3}\n'), 'a.ndjson': strToU8('{"n":1}\n\n{"n":2}\n') }))
    const other = file('one.jsonl', '{"n":"x"}\n')
    const { records } = await readRecords([zip, other])
    expect(records.map((r) => [path.basename(r.input), r.line, JSON.parse(r.raw).n])).toEqual([
      ['two.zip', 1, 1],
      ['two.zip', 2, 2],
      ['two.zip', 3, 3],
      ['one.jsonl', 1, 'x'],
    ])
  })

  it('reads a JSON array, a single object, a CloudTrail Records file, gz of JSON, and stdin', async () => {
    const arr = file('arr.json', JSON.stringify([{ a: 1 }, { a: 2 }]))
    const obj = file('obj.json', '{\n  "a": 3\n}\n')
    const ct = file('ct.json.gz', gzipSync(JSON.stringify({ Records: [{ eventName: 'A', eventSource: 's', eventVersion: '1.08', eventTime: '2020-01-01T00:00:00Z' }, { eventName: 'B', eventSource: 's', eventVersion: '1.08', eventTime: '2020-01-01T00:00:00Z' }] })))
    const { records } = await readRecords([arr, obj, ct, '-'], { stdin: Readable.from(['{"s":1}\n{"s":2}\n']) })
    expect(records.map((r) => [path.basename(r.input), r.line])).toEqual([
      ['arr.json', 1],
      ['arr.json', 2],
      ['obj.json', 1],
      ['ct.json.gz', 1],
      ['ct.json.gz', 2],
      ['-', 1],
      ['-', 2],
    ])
    expect(JSON.parse(records[4]!.raw).eventName).toBe('B')
  })

  it('reports unreadable inputs and bad archives without stopping', async () => {
    const bad = file('bad.zip', 'not a zip')
    const good = file('g.ndjson', '{"ok":1}\n')
    const { records, problems } = await readRecords([path.join(tmp, 'missing.ndjson'), bad, good])
    expect(records).toHaveLength(1)
    expect(problems.map((p) => path.basename(p.input))).toEqual(['missing.ndjson', 'bad.zip'])
    expect(readdirSync(tmp)).toContain('g.ndjson')
  })
})
