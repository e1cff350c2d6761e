/** Wazuh alerts: recognised by their envelope, and a Windows event inside one decoded and detected as the Windows event it is. */
import { describe, expect, it } from 'vitest'
import { SigmaEngine } from '../detect/sigma/engine.js'
import { BUILTIN_RULES_DIR } from '../detect/builtin.js'
import { decodeRecord, detectionRecord, type DecodeContext, type DecodeResult } from './index.js'

const ctx: DecodeContext = { id: 'id-1', ingested: '2026-01-01T00:00:00.000Z', source: 'http' }
const ok = (r: DecodeResult) => {
  if (!r.ok) throw new Error(`${r.code} ${r.reason}`)
  return r.event
}

/** A Wazuh alert on a Sysmon process creation, as the Wazuh Windows agent ships it (camelCase event fields, eventID a string). */
const sysmon1 = {
  timestamp: '2024-05-01T12:00:00.000+0200',
  rule: { level: 12, description: 'Sysmon - Suspicious Process - comsvcs MiniDump', id: '92900', groups: ['windows', 'sysmon'] },
  agent: { id: '003', name: 'WIN-CLIENT', ip: '10.0.0.5' },
  manager: { name: 'wazuh-manager' },
  decoder: { name: 'windows_eventchannel' },
  location: 'EventChannel',
  data: {
    win: {
      system: { providerName: 'Microsoft-Windows-Sysmon', eventID: '1', channel: 'Microsoft-Windows-Sysmon/Operational', computer: 'WIN-CLIENT.corp.local', systemTime: '2024-05-01T10:00:00.1234567Z', message: '"Process Create"' },
      eventdata: { utcTime: '2024-05-01 10:00:00.123', image: 'C:\\Windows\\System32\\rundll32.exe', commandLine: 'rundll32.exe C:\\windows\\System32\\comsvcs.dll, MiniDump 624 C:\\temp\\lsass.dmp full', parentImage: 'C:\\Windows\\System32\\cmd.exe', user: 'CORP\\jdoe', processId: '4242' },
    },
  },
}

describe('wazuh decoder', () => {
  it('decodes a Windows event inside a Wazuh alert as that event, in UTC, keeping the Wazuh rule', () => {
    const e = ok(decodeRecord(sysmon1, ctx))
    expect(e.watchfloor.decoder).toBe('wazuh')
    expect(e['@timestamp']).toBe('2024-05-01T10:00:00.123Z')
    expect(e.event).toMatchObject({ kind: 'alert', module: 'windows', code: '1', category: ['process'] })
    expect(e.process).toMatchObject({ executable: 'C:\\Windows\\System32\\rundll32.exe', command_line: sysmon1.data.win.eventdata.commandLine, pid: 4242 })
    expect(e.user?.name).toBe('jdoe')
    expect(e.host?.name).toBe('WIN-CLIENT.corp.local')
    expect(e.rule).toMatchObject({ id: '92900', name: 'Sysmon - Suspicious Process - comsvcs MiniDump', level: '12' })
  })

  it('recognises an alert by its envelope when the rule is partial (no level, no description)', () => {
    const partial = { ...sysmon1, rule: { id: '92900' } }
    const e = ok(decodeRecord(partial, ctx))
    expect(e.watchfloor.decoder).toBe('wazuh')
    expect(e.process?.command_line).toContain('MiniDump')
    const plain = ok(decodeRecord({ rule: { id: '5710' }, agent: { name: 'web-01' }, location: '/var/log/auth.log', full_log: 'sshd[1]: Invalid user x from 203.0.113.5', data: { srcip: '203.0.113.5' } }, ctx))
    expect(plain.watchfloor.decoder).toBe('wazuh')
    expect(plain.source?.ip).toBe('203.0.113.5')
  })

  it('gives detection the event as Sysmon spells it, so the Windows rules fire', () => {
    expect(detectionRecord(sysmon1)).toMatchObject({ EventID: '1', Channel: 'Microsoft-Windows-Sysmon/Operational', Image: 'C:\\Windows\\System32\\rundll32.exe', CommandLine: expect.stringContaining('MiniDump'), ParentImage: 'C:\\Windows\\System32\\cmd.exe' })
    const engine = SigmaEngine.fromDirs([BUILTIN_RULES_DIR])
    const ev = ok(decodeRecord(sysmon1, ctx))
    const titles = engine.detect(detectionRecord(sysmon1), ev).matches.map((m) => m.title)
    expect(titles).toContain('Credential Dumping Command')
    expect(detectionRecord({ rule: { id: '1' }, agent: {} })).toEqual({ rule: { id: '1' }, agent: {} })
  })
})

describe('wazuh decoder: the logged line', () => {
  const sshd = (i: number) => ({
    timestamp: `2024-05-01T10:00:${String(i).padStart(2, '0')}.000+0000`,
    rule: { id: '5760' },
    agent: { id: '002', name: 'web-01' },
    decoder: { name: 'sshd', parent: 'sshd' },
    location: '/var/log/auth.log',
    full_log: `May  1 10:00:${String(i).padStart(2, '0')} web-01 sshd[${1000 + i}]: Failed password for root from 203.0.113.5 port ${40000 + i} ssh2`,
    data: { srcip: '203.0.113.5', srcport: String(40000 + i), dstuser: 'root' },
  })

  it('decodes an sshd line shipped by Wazuh as the logon it is, with no groups or level needed', () => {
    const e = ok(decodeRecord(sshd(1), ctx))
    expect(e.event).toMatchObject({ kind: 'alert', category: ['authentication'], outcome: 'failure', action: 'ssh_login' })
    expect(e.source?.ip).toBe('203.0.113.5')
    expect(e.watchfloor.decoder).toBe('wazuh')
    expect(e.rule?.id).toBe('5760')
  })

  it('counts Wazuh-shipped sshd failures towards SSH brute force', () => {
    const engine = SigmaEngine.fromDirs([BUILTIN_RULES_DIR])
    const signals = Array.from({ length: 10 }, (_, i) => {
      const r = sshd(i)
      return engine.detect(detectionRecord(r), ok(decodeRecord(r, ctx))).signals.length
    })
    expect(signals.every((n) => n > 0)).toBe(true) // each failure feeds the brute-force correlation
  })

  it('maps file integrity (syscheck) alerts to the file and the change', () => {
    const e = ok(decodeRecord({ rule: { id: '550', description: 'Integrity checksum changed.' }, agent: { name: 'web-01' }, location: 'syscheck', syscheck: { path: '/etc/passwd', event: 'modified', uname_after: 'root' } }, ctx))
    expect(e.event).toMatchObject({ category: ['file'], action: 'modified' })
    expect(e.file?.path).toBe('/etc/passwd')
  })
})
