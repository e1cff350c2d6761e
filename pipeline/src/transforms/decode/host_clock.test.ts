import { beforeEach, describe, expect, it } from 'vitest'
import { createTransform } from '../../workers/transform.js'
import { resetClocks } from './host_clock.js'
import { decodeRecord } from './index.js'

// As OTRF's newer flattened archives have them: TimeCreated is the host's local 12-hour clock
// (07:50 for 19:50 EDT), only Sysmon carries UtcTime (23:50 UTC). The same process start, twice.
const sysmon1 = { Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 1, Hostname: 'WORKSTATION5.theshire.local', TimeCreated: '2020-10-18 07:50:05.917', UtcTime: '2020-10-18 23:50:05.910', Image: 'C:\\Windows\\System32\\rundll32.exe', CommandLine: 'rundll32.exe C:\\windows\\System32\\comsvcs.dll, MiniDump 640 C:\\lsass.dmp full' }
const sec4688 = { Channel: 'Security', EventID: 4688, Hostname: 'WORKSTATION5.theshire.local', TimeCreated: '2020-10-18 07:50:05.910', NewProcessName: 'C:\\Windows\\System32\\rundll32.exe', CommandLine: 'rundll32.exe C:\\windows\\System32\\comsvcs.dll, MiniDump 640 C:\\lsass.dmp full' }
const ctx = (id: string) => ({ id, ingested: '2026-11-29T10:00:00.000Z', source: 'file' })
const time = (v: unknown, id: string) => {
  const r = decodeRecord(v, ctx(id))
  if (!r.ok) throw new Error(r.reason)
  return r.event
}

describe('host clocks for zone-less TimeCreated', () => {
  beforeEach(() => resetClocks())

  it('puts a Security 4688 and the Sysmon 1 of the same instant at the same UTC time, noting the correction', () => {
    expect(time(sysmon1, 'a')['@timestamp']).toBe('2020-10-18T23:50:05.910Z')
    const ev = time(sec4688, 'b')
    expect(ev['@timestamp']).toBe('2020-10-18T23:50:05.910Z')
    expect(ev.watchfloor.decode_notes).toEqual(['TimeCreated: local time of WORKSTATION5.theshire.local, moved by 960 min to UTC (offset learned from its Sysmon UtcTime)'])
    expect(ev.watchfloor.decode_status).toBe('ok')
  })

  it('does not move another host, nor a record that has a UTC time of its own', () => {
    time(sysmon1, 'a')
    expect(time({ ...sec4688, Hostname: 'DC1' }, 'b')['@timestamp']).toBe('2020-10-18T07:50:05.910Z')
    expect(time({ ...sec4688, '@timestamp': '2020-10-18T23:50:06.000Z' }, 'c')['@timestamp']).toBe('2020-10-18T23:50:06.000Z')
  })

  it("does the same for NXLog's EventTime, learned separately from TimeCreated", () => {
    // EventTime carries the collector's local clock (here UTC-5), TimeCreated the host's (UTC-4, 12-hour)
    time({ ...sysmon1, EventTime: '2020-10-18 18:50:05' }, 'a')
    const nxlog = { Channel: 'Security', EventID: 4624, Hostname: 'WORKSTATION5.theshire.local', EventTime: '2020-10-18 18:50:07', TargetUserName: 'pgustavo', LogonType: 3 }
    expect(time(nxlog, 'b')['@timestamp']).toBe('2020-10-18T23:50:07.000Z')
    expect(time(sec4688, 'c')['@timestamp']).toBe('2020-10-18T23:50:05.910Z')
  })

  it('learns from the whole task before decoding it, so the Security event may come first', () => {
    const transform = createTransform({ maxRecordBytes: 1 << 20, maxDepth: 32, maxClockSkewMs: 300_000, ruleDirs: [], profile: false })
    const res = transform({ framing: 'ndjson', text: `${JSON.stringify(sec4688)}\n${JSON.stringify(sysmon1)}\n`, source: 'file', ingested: '2026-11-29T10:00:00.000Z', firstLine: 1 })
    if (!res.ok) throw new Error(res.reason)
    const rows = new TextDecoder().decode(res.rows).trim().split('\n').map((l) => JSON.parse(l) as { timestamp: string })
    expect(rows.map((r) => r.timestamp)).toEqual(['2020-10-18 23:50:05.910', '2020-10-18 23:50:05.910'])
  })
})
