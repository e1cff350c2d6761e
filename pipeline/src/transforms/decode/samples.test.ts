/**
 * Decoding of real data: OTRF (Mordor) host logs, the Sigma regression events (evtx JSON), and the
 * AIT alert CSVs. Each check runs on the excerpts in pipeline/test/fixtures, and on the full
 * datasets in the data directory (WATCHFLOOR_DATA_DIR, default ../shared/data) when they are there.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { strFromU8, unzipSync } from 'fflate'
import type { CanonicalEvent } from '@watchfloor/contracts'
import { describe, expect, it } from 'vitest'
import { dataPath, fixturePath, needData } from '../../../../test/support/data.js'
import { eventToRow } from '../../sinks/clickhouse/event-row.js'
import { decodeCsvRow, decodeRecord, decodeTextLine, expandRecords } from './index.js'
import { resetClocks } from './host_clock.js'
import type { DecodeContext, DecodeResult } from './index.js'

const OTRF = dataPath('dev/otrf/archives')
const WINDOWS_ARCHIVES = ['SDWIN-190518210125.zip', 'SDWIN-200722001847.zip', 'SDWIN-201018195009.zip', 'SDWIN-201022042947.zip']
const otrfWindows = needData(...WINDOWS_ARCHIVES.map((a) => `dev/otrf/archives/${a}`))
const otrfCloudTrail = needData('dev/otrf/archives/SDAWS-200914011940.zip')
const sigmaEvents = needData('sigma/regression_events.labeled.jsonl')
const AIT_FILES = ['russellmitchell_alerts.csv.gz', 'shaw_alerts.csv.gz']
const aitAlerts = needData(...AIT_FILES.map((f) => `dev/ait/${f}`))

const fixtureLines = (...parts: string[]): string[] =>
  readFileSync(fixturePath(...parts), 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0)
const ctx: DecodeContext = { id: '00000000-0000-4000-8000-000000000000', ingested: '2030-01-01T00:00:00.000Z', source: 'file' }

function ok(r: DecodeResult): CanonicalEvent {
  if (!r.ok) throw new Error(`decode failed: ${r.code} ${r.reason}`)
  return r.event
}

interface ArchiveFile {
  archive: string
  name: string
  lines: string[]
}

function readArchives(prefix: string): ArchiveFile[] {
  const out: ArchiveFile[] = []
  for (const archive of readdirSync(OTRF).filter((f) => f.startsWith(prefix) && f.endsWith('.zip')).sort()) {
    const files = unzipSync(readFileSync(`${OTRF}/${archive}`))
    for (const [name, bytes] of Object.entries(files)) {
      out.push({ archive, name, lines: strFromU8(bytes).split('\n').filter((l) => l.trim().length > 0) })
    }
  }
  return out
}

/** Minimal RFC 4180 line split (the AIT files have no quoted cells, but stay correct if they do). */
function splitCsv(line: string): string[] {
  const cells: string[] = []
  let cur = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"'
        i++
      } else if (ch === '"') quoted = false
      else cur += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      cells.push(cur)
      cur = ''
    } else cur += ch
  }
  cells.push(cur)
  return cells
}

/** Every line decodes as windows_flat with its own time, event.code and host.name; returns the number of lines. */
function decodesWindowsFlat(lines: { name: string; line: string }[]): number {
  let n = 0
  for (const { name, line } of lines) {
    const raw = JSON.parse(line) as Record<string, unknown>
    const r = decodeRecord(raw, ctx)
    expect(r.ok, `${name}: ${line.slice(0, 120)}`).toBe(true)
    const e = ok(r)
    expect(e.watchfloor.decoder).toBe('windows_flat')
    expect(e.event.code).toBe(String(raw.EventID))
    expect(e.host?.name).toBe(raw.Hostname)
    // the record's own time, never the ingest time
    expect(e['@timestamp']).not.toBe(ctx.ingested)
    expect(e['@timestamp']).toMatch(/^20(19|20)-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    if (typeof raw['@timestamp'] === 'string') expect(e['@timestamp']).toBe(raw['@timestamp'])
    n++
  }
  return n
}

/** Process fields of Sysmon EID 1 and Security 4688; returns how many of each were checked. */
function mapsProcessFields(lines: string[]): { sysmon: number; security: number } {
  let sysmon = 0
  let security = 0
  for (const line of lines) {
    const raw = JSON.parse(line) as Record<string, string | number | undefined>
    const channel = String(raw.Channel).toLowerCase()
    const isSysmon1 = raw.EventID === 1 && channel === 'microsoft-windows-sysmon/operational'
    const is4688 = raw.EventID === 4688 && channel === 'security'
    if (!isSysmon1 && !is4688) continue
    const e = ok(decodeRecord(raw, ctx))
    expect(e.event.category).toEqual(['process'])
    expect(e.event.type).toEqual(['start'])
    expect(e.process?.command_line).toBe(raw.CommandLine)
    if (isSysmon1) {
      sysmon++
      expect(e.process?.executable).toBe(raw.Image)
      expect(e.process?.parent?.executable).toBe(raw.ParentImage)
      expect(e.process?.name).toBe(String(raw.Image).split('\\').pop())
      if (raw.ProcessId !== undefined) expect(e.process?.pid).toBe(Number(raw.ProcessId))
    } else {
      security++
      expect(e.process?.executable).toBe(raw.NewProcessName)
      expect(e.process?.pid).toBe(parseInt(String(raw.NewProcessId), 16))
      expect(e.process?.parent?.executable).toBe(raw.ParentProcessName)
      expect(e.user?.name).toBe(raw.SubjectUserName)
    }
  }
  return { sysmon, security }
}

/** ClickHouse rows with typed values for every line. */
function makesRows(lines: string[]): void {
  expect(lines.length).toBeGreaterThan(0)
  for (const line of lines) {
    const row = eventToRow(ok(decodeRecord(JSON.parse(line), ctx)), line)
    expect(row.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/)
    expect(row.ingested_at).toBe('2030-01-01 00:00:00.000')
    expect(Number.isInteger(row.source_port) && row.source_port >= 0 && row.source_port <= 65535).toBe(true)
    expect(row.original).toBe(line)
    expect(row.decoder).toBe('windows_flat')
    expect(row.event_code).toMatch(/^\d+$/)
  }
}

describe('OTRF Windows lines (fixture: 16 lines of SDWIN-190518210125, Empire SMBExec)', () => {
  const lines = fixtureLines('otrf', 'SDWIN-190518210125.sample.json')
  const all = lines.map((l) => JSON.parse(l) as Record<string, unknown>)

  it('decodes every line as windows_flat with @timestamp, event.code and host.name', () => {
    expect(decodesWindowsFlat(lines.map((line) => ({ name: 'SDWIN-190518210125.sample.json', line })))).toBe(16)
  })

  it('maps process fields of Sysmon EID 1 and Security 4688 (both channel spellings)', () => {
    expect(mapsProcessFields(lines)).toEqual({ sysmon: 3, security: 2 })
  })

  it('maps the network logon and the SMB and C2 connections to user, source and destination', () => {
    const logon = all.find((r) => r.EventID === 4624)
    expect(logon).toMatchObject({ TargetUserName: 'pgustavo', IpAddress: '172.18.39.5', LogonType: '3' })
    const e4624 = ok(decodeRecord(logon, ctx))
    expect(e4624.event.outcome).toBe('success')
    expect(e4624.event.category).toEqual(['authentication'])
    expect(e4624.user?.name).toBe('pgustavo')
    expect(e4624.source?.ip).toBe('172.18.39.5')

    const smb = all.find((r) => r.EventID === 3 && r.SourceIp === '172.18.39.5' && r.DestinationPort === '445')
    expect(smb).toBeDefined()
    const e3 = ok(decodeRecord(smb, ctx))
    expect(e3.source).toEqual({ ip: '172.18.39.5', port: Number(smb?.SourcePort) })
    expect(e3.destination).toEqual({ ip: '172.18.39.6', port: 445 })
    expect(e3.network?.transport).toBe('tcp')
    const c2 = all.find((r) => r.EventID === 3 && r.DestinationPort === '80')
    expect(ok(decodeRecord(c2, ctx)).destination).toEqual({ ip: '10.10.10.5', port: 80 })

    const wfp = all.find((r) => r.EventID === 5156 && r.Protocol === '6')
    expect(ok(decodeRecord(wfp, ctx)).network?.transport).toBe('tcp')
  })

  it('produces ClickHouse rows with typed values for every record', () => {
    makesRows(lines)
  })
})

describe.skipIf(!otrfWindows.have)(otrfWindows.title('OTRF Windows archives (NXLog-flattened)'), () => {
  const files = otrfWindows.have ? readArchives('SDWIN-') : []

  it('finds the four Windows archives', () => {
    expect(new Set(files.map((f) => f.archive)).size).toBe(4)
    expect(files.reduce((n, f) => n + f.lines.length, 0)).toBeGreaterThan(30_000)
  })

  it('decodes every line as windows_flat with @timestamp, event.code and host.name', () => {
    expect(decodesWindowsFlat(files.flatMap((f) => f.lines.map((line) => ({ name: f.name, line }))))).toBeGreaterThan(30_000)
  })

  it('reads TimeCreated as UTC when nothing else tells the time, and moves it by the offset the host\'s Sysmon UtcTime teaches', () => {
    const lsass = files.find((f) => f.archive.startsWith('SDWIN-201018195009'))
    expect(lsass).toBeDefined()
    const line = lsass?.lines.find((l) => !l.includes('"UtcTime"') && !l.includes('"@timestamp"'))
    expect(line).toBeDefined()
    const raw = JSON.parse(line ?? '{}') as { TimeCreated: string; Hostname: string }
    resetClocks()
    expect(ok(decodeRecord(raw, ctx))['@timestamp']).toBe(raw.TimeCreated.replace(' ', 'T') + 'Z')
    const sysmon = JSON.parse(lsass!.lines.find((l) => l.includes('"UtcTime"') && l.includes(`"Hostname":"${raw.Hostname}"`))!) as { TimeCreated: string; UtcTime: string }
    ok(decodeRecord(sysmon, ctx))
    const offset = Date.parse(sysmon.UtcTime.replace(' ', 'T') + 'Z') - Date.parse(sysmon.TimeCreated.replace(' ', 'T') + 'Z')
    expect(Math.abs(offset)).toBeGreaterThan(3600_000)
    expect(Date.parse(ok(decodeRecord(raw, ctx))['@timestamp']) - Date.parse(raw.TimeCreated.replace(' ', 'T') + 'Z')).toBe(Math.round(offset / 900_000) * 900_000)
  })

  it('maps process fields of Sysmon EID 1 and Security 4688', () => {
    const { sysmon, security } = mapsProcessFields(files.flatMap((f) => f.lines))
    expect(sysmon).toBeGreaterThanOrEqual(30)
    expect(security).toBeGreaterThanOrEqual(30)
  })

  it('maps logon and network events to user, source and destination', () => {
    const all = files.flatMap((f) => f.lines.map((l) => JSON.parse(l) as Record<string, unknown>))
    const failedLogon = all.find((r) => r.EventID === 4625)
    expect(failedLogon).toBeDefined()
    const e4625 = ok(decodeRecord(failedLogon, ctx))
    expect(e4625.event.outcome).toBe('failure')
    expect(e4625.event.category).toEqual(['authentication'])
    expect(e4625.user?.name).toBe(failedLogon?.TargetUserName)

    const conn = all.find((r) => r.EventID === 3 && r.SourceIp === '172.18.39.5' && r.DestinationPort === '389')
    expect(conn).toBeDefined()
    const e3 = ok(decodeRecord(conn, ctx))
    expect(e3.source).toEqual({ ip: '172.18.39.5', port: Number(conn?.SourcePort) })
    expect(e3.destination).toEqual({ ip: conn?.DestinationIp, port: 389 })
    expect(e3.network?.transport).toBe(conn?.Protocol)

    const wfp = all.find((r) => r.EventID === 5156 && r.Protocol === '6')
    expect(ok(decodeRecord(wfp, ctx)).network?.transport).toBe('tcp')
  })

  it('produces ClickHouse rows with typed values for every record', () => {
    const f = files.find((x) => x.archive.startsWith('SDWIN-200722001847'))
    expect(f).toBeDefined()
    makesRows(f?.lines ?? [])
  })
})

describe.skipIf(!otrfCloudTrail.have)(otrfCloudTrail.title('OTRF CloudTrail archive'), () => {
  const [file] = otrfCloudTrail.have ? readArchives('SDAWS-') : []
  const records = (file?.lines ?? []).map((l) => JSON.parse(l) as Record<string, unknown>)

  it('decodes all 103 records as cloudtrail', () => {
    expect(records).toHaveLength(103)
    for (const r of records) {
      const e = ok(decodeRecord(r, ctx))
      expect(e.watchfloor.decoder).toBe('cloudtrail')
      expect(e.watchfloor.decode_status).toBe('ok')
      expect(e['@timestamp']).toBe(r['@timestamp'])
      expect(e.event.action).toBe(r.eventName)
      expect(e.event.provider).toBe(r.eventSource)
      expect(e.cloud).toMatchObject({ provider: 'aws', region: 'us-east-1', account: { id: '123456789123' } })
    }
  })

  it('maps the IAM user call, the assumed role and the AWS-service caller', () => {
    const first = ok(decodeRecord(records[0], ctx))
    expect(first.user?.name).toBe('pedro')
    expect(first.user?.id).toBe('AIDAICAK2CN5MGHIIDIHA')
    expect(first.source?.ip).toBe('1.2.3.4')
    expect(first.event.outcome).toBe('success')
    expect(first.user_agent?.original).toBe('console.ec2.amazonaws.com')

    const listObjects = ok(decodeRecord(records.find((r) => r.eventName === 'ListObjects'), ctx))
    expect(listObjects.user?.name).toBe('MordorNginxStack-BankingWAFRole-9S3E0UAE1MM0')

    const assume = ok(decodeRecord(records.find((r) => r.eventName === 'AssumeRole'), ctx))
    expect(assume.source?.ip).toBeUndefined()
    expect(assume.source?.domain).toBe('ec2.amazonaws.com')
    expect(assume.event.category).toEqual(['authentication'])
  })

  it('expands a { Records: [...] } file and marks errorCode as failure', () => {
    const wrapped = { Records: [records[0], { ...records[1], errorCode: 'AccessDenied', errorMessage: 'not allowed' }] }
    const list = expandRecords(wrapped)
    expect(list).toHaveLength(2)
    expect(expandRecords(records[0])).toBeNull()
    expect(expandRecords([records[0]])).toBeNull()
    const denied = ok(decodeRecord(list?.[1], ctx))
    expect(denied.event.outcome).toBe('failure')
    expect(denied.message).toBe('not allowed')
  })
})

// The fixture is the archive's whole log (12 lines), so these run in every checkout.
describe('OTRF Linux auditd log (fixture: SDLIN-201110074812, whole)', () => {
  const lines = fixtureLines('otrf', 'SDLIN-201110074812.log')

  it('decodes every line as auditd with the audit timestamp', () => {
    expect(lines.length).toBe(12)
    for (const line of lines) {
      const e = ok(decodeTextLine(line, ctx))
      expect(e.watchfloor.decoder).toBe('auditd')
      expect(e['@timestamp']).toBe('2020-11-10T07:48:16.155Z')
      expect(e.event.action).toBe(/^type=(\S+)/.exec(line)?.[1])
    }
  })

  it('maps SYSCALL process fields and decodes EXECVE / PROCTITLE command lines', () => {
    const events = lines.map((l) => ok(decodeTextLine(l, ctx)))
    const syscall = events.find((e) => e.event.action === 'SYSCALL' && e.process?.name === 'arp')
    expect(syscall?.process).toMatchObject({ pid: 1631, executable: '/usr/sbin/arp', parent: { pid: 29002 } })
    expect(syscall?.user?.id).toBe('1000')
    expect(syscall?.event.outcome).toBe('success')
    const execve = events.filter((e) => e.event.action === 'EXECVE').map((e) => e.process?.command_line)
    expect(execve).toEqual(['arp -a', 'grep -v ^?'])
    // proctitle=617270002D61 is hex for "arp\0-a"
    const titles = events.filter((e) => e.event.action === 'PROCTITLE').map((e) => e.process?.command_line)
    expect(titles).toEqual(['arp -a', 'grep -v ^?'])
  })
})

/** Every line decodes via windows_nested with EventID, Computer and SystemTime. */
function decodesNested(lines: string[]): void {
  for (const line of lines) {
    const { event } = JSON.parse(line) as { event: { Event: { System: Record<string, unknown>; EventData: Record<string, unknown> | null } } }
    const sys = event.Event.System
    const e = ok(decodeRecord(event, ctx))
    expect(e.watchfloor.decoder).toBe('windows_nested')
    expect(e.watchfloor.decode_status).toBe('ok')
    expect(e.event.code).toBe(String(sys.EventID))
    expect(e.host?.name).toBe(sys.Computer)
    const systemTime = (sys.TimeCreated as { '#attributes': { SystemTime: string } })['#attributes'].SystemTime
    expect(e['@timestamp']).toBe(systemTime.slice(0, 23) + 'Z')
  }
}

/** Sysmon process creation fields from EventData; returns the number of process creations checked. */
function mapsNestedProcessFields(lines: string[]): number {
  let n = 0
  for (const line of lines) {
    const { event } = JSON.parse(line) as { event: { Event: { System: { EventID: number; Channel: string }; EventData: Record<string, unknown> } } }
    const sys = event.Event.System
    if (sys.EventID !== 1 || sys.Channel !== 'Microsoft-Windows-Sysmon/Operational') continue
    const data = event.Event.EventData
    const e = ok(decodeRecord(event, ctx))
    expect(e.process?.executable).toBe(data.Image)
    expect(e.process?.pid).toBe(data.ProcessId)
    expect(e.process?.command_line).toBe(data.CommandLine)
    // Sysmon writes '-' for an unknown parent: absent, not the text '-'
    expect(e.process?.parent?.executable).toBe(data.ParentImage === '-' ? undefined : data.ParentImage)
    expect(e.event.action).toBe('process-created')
    const user = String(data.User)
    expect(e.user?.name).toBe(user.slice(user.indexOf('\\') + 1))
    n++
  }
  return n
}

describe('Sigma regression events (fixture: 5 evtx JSON events)', () => {
  const lines = fixtureLines('sigma', 'regression_events.sample.jsonl')

  it('decodes all 5 events via windows_nested with EventID, Computer and SystemTime', () => {
    expect(lines).toHaveLength(5)
    decodesNested(lines)
  })

  it('maps Sysmon process creation fields from EventData (one parent unknown: "-")', () => {
    expect(lines.filter((l) => (JSON.parse(l) as { event: { Event: { EventData: { ParentImage?: string } } } }).event.Event.EventData.ParentImage === '-')).toHaveLength(1)
    expect(mapsNestedProcessFields(lines)).toBe(5)
  })
})

describe.skipIf(!sigmaEvents.have)(sigmaEvents.title('Sigma regression events (evtx JSON)'), () => {
  const lines = sigmaEvents.have ? readFileSync(dataPath('sigma/regression_events.labeled.jsonl'), 'utf8').split('\n').filter((l) => l.length > 0) : []

  it('decodes all 205 events via windows_nested with EventID, Computer and SystemTime', () => {
    expect(lines).toHaveLength(205)
    decodesNested(lines)
  })

  it('maps Sysmon process creation fields from EventData', () => {
    expect(mapsNestedProcessFields(lines)).toBe(124)
  })
})

interface CsvFile {
  name: string
  text: string
}

/** Every row decodes with source.ip, host.name, message and the epoch time; returns the number of rows. */
function decodesAitRows(files: CsvFile[]): number {
  let rows = 0
  const mismatches: string[] = []
  for (const f of files) {
    const [header, ...lines] = f.text.split('\n').filter((l) => l.length > 0)
    const cols = splitCsv(header ?? '')
    expect(cols, f.name).toEqual(['time', 'name', 'ip', 'host', 'short', 'time_label', 'event_label'])
    for (const line of lines) {
      const cells = splitCsv(line)
      const row = Object.fromEntries(cols.map((c, i) => [c, cells[i] ?? '']))
      const r = decodeCsvRow(row, ctx)
      const e = r.ok ? r.event : undefined
      const good =
        e !== undefined &&
        e.watchfloor.decoder === 'csv' &&
        e.watchfloor.decode_status === 'ok' &&
        e.source?.ip === row.ip &&
        e.host?.name === row.host &&
        e.message === row.name &&
        e.rule?.name === row.name &&
        e['@timestamp'] === new Date(Number(row.time) * 1000).toISOString()
      if (!good && mismatches.length < 5) mismatches.push(`${line} -> ${JSON.stringify(r)}`)
      rows++
    }
  }
  expect(mismatches).toEqual([])
  return rows
}

/** No ground-truth label reaches a decoded field or row column; returns the number of real labels checked. */
function keepsLabelsOut(files: CsvFile[]): number {
  let checked = 0
  const leaks: string[] = []
  for (const f of files) {
    const [header, ...lines] = f.text.split('\n').filter((l) => l.length > 0)
    const cols = splitCsv(header ?? '')
    for (const line of lines) {
      const cells = splitCsv(line)
      const row = Object.fromEntries(cols.map((c, i) => [c, cells[i] ?? '']))
      const others = [row.time, row.name, row.ip, row.host, row.short].join('\u0001')
      const event = ok(decodeCsvRow(row, ctx))
      const decoded = JSON.stringify(event)
      const { original, ...fields } = eventToRow(event, line)
      const rowText = JSON.stringify(fields)
      for (const label of [row.time_label, row.event_label]) {
        // only labels that cannot legitimately come from another column
        if (label === undefined || label === '-' || label.length === 0 || others.includes(label)) continue
        if (decoded.includes(label) || rowText.includes(label)) leaks.push(`${label} leaked from ${line}`)
        checked++
      }
      // the raw text keeps them
      if (!original.includes(`,${row.time_label ?? ''},`)) leaks.push(`raw text lost the label: ${line}`)
    }
  }
  expect(leaks.slice(0, 5)).toEqual([])
  return checked
}

describe('AIT alert CSV (fixture: 30 rows of russellmitchell, every label pair)', () => {
  const files: CsvFile[] = [{ name: 'russellmitchell_alerts.sample.csv', text: readFileSync(fixturePath('ait', 'russellmitchell_alerts.sample.csv'), 'utf8') }]

  it('decodes every row with source.ip, host.name, message and the epoch time', () => {
    expect(decodesAitRows(files)).toBe(30)
  })

  it('never maps the ground-truth label columns into any decoded field', () => {
    // 30 time_labels and 10 event_labels other than '-' (none of them also found in another column)
    expect(keepsLabelsOut(files)).toBe(40)
  })
})

describe.skipIf(!aitAlerts.have)(aitAlerts.title('AIT alert CSVs'), () => {
  const files: CsvFile[] = aitAlerts.have ? AIT_FILES.map((f) => ({ name: f, text: gunzipSync(readFileSync(dataPath('dev/ait', f))).toString('utf8') })) : []

  it('decodes every row with source.ip, host.name, message and the epoch time', () => {
    expect(files.length).toBe(2)
    expect(decodesAitRows(files)).toBe(45_544 + 70_782)
  })

  it('never maps the ground-truth label columns into any decoded field', () => {
    // the check must have run on real labels, not just the trivial '-'
    expect(keepsLabelsOut(files)).toBeGreaterThan(100_000)
  })
})

describe('CSV label columns', () => {
  it('keeps label-like columns out of a header it does not know either', () => {
    const e = ok(decodeCsvRow({ Timestamp: '1642723347', SRC_IP: '10.0.0.1', Message: 'x', attack_label: 'brute_force', Label: 'malicious' }, ctx))
    expect(JSON.stringify(e)).not.toContain('brute_force')
    expect(JSON.stringify(e)).not.toContain('malicious')
    expect(e.source?.ip).toBe('10.0.0.1')
    expect(e['@timestamp']).toBe('2022-01-21T00:02:27.000Z')
  })
})
