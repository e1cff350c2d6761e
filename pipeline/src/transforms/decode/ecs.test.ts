/** ECS-shaped input: Logstash, Filebeat, Vector, Winlogbeat, and the evtx nested edge cases. */
import type { CanonicalEvent } from '@watchfloor/contracts'
import { describe, expect, it } from 'vitest'
import { decodeRecord } from './index.js'
import type { DecodeContext, DecodeResult } from './index.js'

const ctx: DecodeContext = { id: 'id-1', ingested: '2030-01-01T00:00:00.000Z', source: 'http' }

function ok(r: DecodeResult): CanonicalEvent {
  if (!r.ok) throw new Error(`decode failed: ${r.code} ${r.reason}`)
  return r.event
}

describe('ecs decoder', () => {
  it('maps a Logstash event (string host)', () => {
    const e = ok(decodeRecord({ '@timestamp': '2024-02-03T04:05:06.789Z', '@version': '1', message: 'GET /admin 403', host: 'proxy-1', path: '/var/log/nginx/access.log', type: 'nginx' }, ctx))
    expect(e.watchfloor).toMatchObject({ decoder: 'ecs', decode_status: 'ok' })
    expect(e['@timestamp']).toBe('2024-02-03T04:05:06.789Z')
    expect(e.message).toBe('GET /admin 403')
    expect(e.host?.name).toBe('proxy-1')
  })

  it('maps a Filebeat event and keeps the ECS fields it has', () => {
    const e = ok(decodeRecord({
      '@timestamp': '2024-02-03T04:05:06.789Z',
      agent: { type: 'filebeat', version: '8.12.0', hostname: 'beat-host', name: 'beat-host' },
      ecs: { version: '8.0.0' },
      host: { name: 'web-1', hostname: 'web-1', ip: ['10.0.0.8', 'fe80::1'], os: { family: 'debian' } },
      log: { file: { path: '/var/log/auth.log' }, offset: 1234, level: 'warning' },
      event: { kind: 'event', category: ['authentication'], type: ['start'], action: 'ssh_login', outcome: 'failure', dataset: 'system.auth', module: 'system' },
      source: { ip: '203.0.113.50', port: 40000, geo: { country_iso_code: 'NL' } },
      destination: { ip: '10.0.0.8', port: 22 },
      user: { name: 'root', target: { name: 'admin' } },
      process: { pid: 1234, name: 'sshd', executable: '/usr/sbin/sshd', command_line: 'sshd: root [priv]', parent: { pid: 1, name: 'systemd' } },
      url: { original: '/x' },
      message: 'Failed password for root from 203.0.113.50 port 40000 ssh2',
    }, ctx))
    expect(e.watchfloor.decode_status).toBe('ok')
    expect(e.event).toMatchObject({ kind: 'event', category: ['authentication'], type: ['start'], action: 'ssh_login', outcome: 'failure', dataset: 'system.auth', module: 'system', severity: 47 })
    expect(e.host).toEqual({ name: 'web-1', ip: ['10.0.0.8', 'fe80::1'] })
    expect(e.source).toEqual({ ip: '203.0.113.50', port: 40000 })
    expect(e.destination).toEqual({ ip: '10.0.0.8', port: 22 })
    expect(e.user).toEqual({ name: 'root', target: { name: 'admin' } })
    expect(e.process).toEqual({ pid: 1234, name: 'sshd', executable: '/usr/sbin/sshd', command_line: 'sshd: root [priv]', parent: { pid: 1, name: 'systemd' } })
    expect(e.url?.original).toBe('/x')
  })

  it('maps a Vector event (timestamp + source_type)', () => {
    const e = ok(decodeRecord({ timestamp: '2024-02-03T04:05:06.789123Z', host: 'vector-1', message: 'kernel: oops', source_type: 'file', file: '/var/log/kern.log' }, ctx))
    expect(e.watchfloor.decoder).toBe('ecs')
    expect(e['@timestamp']).toBe('2024-02-03T04:05:06.789Z')
    expect(e.host?.name).toBe('vector-1')
    expect(e.message).toBe('kernel: oops')
  })

  it('drops invalid IPs, ports and types with notes and marks the event partial', () => {
    const e = ok(decodeRecord({
      '@timestamp': '2024-02-03T04:05:06Z',
      source: { ip: 'evil.example', port: 70000 },
      destination: { ip: '10.0.0.1', port: '443' },
      host: { name: 'h', ip: ['10.0.0.1', 'nope'] },
      user: { name: { first: 'x' } },
      process: { pid: 'abc' },
      event: { outcome: 'maybe', category: 5 },
    }, ctx))
    expect(e.watchfloor.decode_status).toBe('partial')
    expect(e.source).toBeUndefined()
    expect(e.destination).toEqual({ ip: '10.0.0.1', port: 443 })
    expect(e.host).toEqual({ name: 'h', ip: ['10.0.0.1'] })
    expect(e.user).toBeUndefined()
    expect(e.process).toBeUndefined()
    expect(e.event.outcome).toBeUndefined()
    expect(e.watchfloor.decode_notes).toEqual(expect.arrayContaining([
      'source.ip: expected an IP address, got "evil.example"',
      'source.port: expected an integer port 0-65535, got 70000',
      'host.ip: expected an IP address, got "nope"',
      'user.name: expected a string, got an object',
      'process.pid: expected an integer process id, got "abc"',
      'event.outcome: expected success, failure or unknown, got "maybe"',
    ]))
  })

  it('falls back to the ingest time with a note when @timestamp is unusable', () => {
    const e = ok(decodeRecord({ '@timestamp': 'soon', message: 'm' }, ctx))
    expect(e['@timestamp']).toBe(ctx.ingested)
    expect(e.watchfloor.decode_status).toBe('partial')
    expect(e.watchfloor.decode_notes).toEqual(['@timestamp: expected a timestamp, got "soon"'])
  })

  it('is detected from an ecs object alone', () => {
    expect(ok(decodeRecord({ ecs: { version: '8.0.0' }, message: 'x' }, ctx)).watchfloor.decoder).toBe('ecs')
  })
})

describe('winlogbeat decoder', () => {
  const base = {
    '@timestamp': '2024-02-03T04:05:06.789Z',
    agent: { type: 'winlogbeat', hostname: 'WIN-1' },
    host: { name: 'win-1.corp.local' },
    event: { code: '4625', kind: 'event', provider: 'Microsoft-Windows-Security-Auditing', action: 'logon-failed', outcome: 'failure', module: 'security' },
    message: 'An account failed to log on.',
    winlog: {
      channel: 'Security',
      event_id: '4625',
      provider_name: 'Microsoft-Windows-Security-Auditing',
      computer_name: 'WIN-1.corp.local',
      keywords: ['Audit Failure'],
      event_data: { TargetUserName: 'bob', TargetDomainName: 'CORP', IpAddress: '::ffff:192.0.2.44', IpPort: '51515', LogonType: '3', WorkstationName: 'KALI', SubjectUserName: '-' },
    },
  }

  it('keeps ECS fields and fills the rest from winlog', () => {
    const e = ok(decodeRecord(base, ctx))
    expect(e.watchfloor).toMatchObject({ decoder: 'winlogbeat', decode_status: 'ok' })
    expect(e.event).toMatchObject({ code: '4625', action: 'logon-failed', outcome: 'failure', module: 'security', category: ['authentication'], dataset: 'windows.security' })
    expect(e.host?.name).toBe('win-1.corp.local')
    expect(e.user).toEqual({ name: 'bob', domain: 'CORP' })
    expect(e.source).toEqual({ ip: '192.0.2.44', port: 51515, domain: 'KALI' })
    expect(e.message).toBe('An account failed to log on.')
  })

  it('maps Sysmon process creation from event_data with a numeric event_id', () => {
    const e = ok(decodeRecord({
      '@timestamp': '2024-02-03T04:05:06.789Z',
      winlog: {
        channel: 'Microsoft-Windows-Sysmon/Operational', event_id: 1, provider_name: 'Microsoft-Windows-Sysmon', computer_name: 'WIN-2',
        event_data: { Image: 'C:\\Windows\\System32\\whoami.exe', CommandLine: 'whoami /all', ProcessId: '4242', ParentImage: 'C:\\Windows\\System32\\cmd.exe', ParentProcessId: '100', User: 'CORP\\alice' },
      },
    }, ctx))
    expect(e.host?.name).toBe('WIN-2')
    expect(e.event).toMatchObject({ code: '1', action: 'process-created', category: ['process'], type: ['start'] })
    expect(e.process).toEqual({ pid: 4242, name: 'whoami.exe', executable: 'C:\\Windows\\System32\\whoami.exe', command_line: 'whoami /all', parent: { pid: 100, name: 'cmd.exe', executable: 'C:\\Windows\\System32\\cmd.exe' } })
    expect(e.user).toEqual({ name: 'alice', domain: 'CORP' })
  })
})

describe('windows_nested edge cases', () => {
  const system = {
    Provider: { '#attributes': { Name: 'Microsoft-Windows-Security-Auditing', Guid: '54849625-5478-4994-A5BA-3E3B0328C30D' } },
    EventID: { '#attributes': { Qualifiers: 0 }, '#text': 4624 },
    Level: 0,
    Keywords: '0x8020000000000000',
    TimeCreated: { '#attributes': { SystemTime: '2024-02-03T04:05:06.1234567Z' } },
    EventRecordID: 99,
    Execution: { '#attributes': { ProcessID: 700, ThreadID: 1 } },
    Channel: 'Security',
    Computer: 'DC01.corp.local',
    Security: null,
  }

  it('reads EventID given as { #text } and the audit-success keyword', () => {
    const e = ok(decodeRecord({ Event: { System: system, EventData: { TargetUserName: 'carol', TargetDomainName: 'CORP', IpAddress: '10.1.1.1', IpPort: '0', LogonType: 10 } } }, ctx))
    expect(e.event).toMatchObject({ code: '4624', outcome: 'success', action: 'logged-in' })
    expect(e['@timestamp']).toBe('2024-02-03T04:05:06.123Z')
    expect(e.user).toEqual({ name: 'carol', domain: 'CORP' })
    expect(e.source).toEqual({ ip: '10.1.1.1', port: 0 })
    // Execution/ProcessID is the logging process, not the subject of the event
    expect(e.process?.pid).toBeUndefined()
  })

  it('accepts EventData null and reads UserData', () => {
    const cleared = ok(decodeRecord({ Event: { System: { ...system, EventID: 1102, Security: { '#attributes': { UserID: 'S-1-5-18' } } }, EventData: null, UserData: { LogFileCleared: { '#attributes': { xmlns: 'x' }, SubjectUserName: 'admin', SubjectDomainName: 'CORP' } } } }, ctx))
    expect(cleared.watchfloor.decode_status).toBe('ok')
    expect(cleared.event.action).toBe('audit-log-cleared')
    expect(cleared.user).toEqual({ name: 'admin', domain: 'CORP' })
    const bare = ok(decodeRecord({ Event: { System: { ...system, EventID: 4608, Security: { '#attributes': { UserID: 'S-1-5-18' } } }, EventData: null } }, ctx))
    expect(bare.event.code).toBe('4608')
    expect(bare.user).toEqual({ id: 'S-1-5-18' })
  })
})
