import type { CanonicalEvent } from '@watchfloor/contracts'
import { describe, expect, it } from 'vitest'
import { decodeRecord } from './index.js'
import type { DecodeContext, DecodeResult } from './index.js'

const ctx: DecodeContext = { id: 'id-1', ingested: '2030-01-01T00:00:00.000Z', source: 'http' }

function ok(r: DecodeResult): CanonicalEvent {
  if (!r.ok) throw new Error(`decode failed: ${r.code} ${r.reason}`)
  return r.event
}

const valid = {
  timestamp: '2024-05-01T10:00:00Z',
  event_type: 'login_failure',
  source_ip: '203.0.113.7',
  dest_ip: '10.0.0.5',
  username: 'alice',
  hostname: 'web-1',
  raw_log: 'Failed password for alice from 203.0.113.7 port 50000 ssh2',
}

describe('legacy decoder', () => {
  it('maps the seed API record', () => {
    const e = ok(decodeRecord(valid, ctx))
    expect(e.watchfloor).toEqual({ decoder: 'legacy', decode_status: 'ok', source: 'http', event_type: 'login_failure' })
    expect(e['@timestamp']).toBe('2024-05-01T10:00:00.000Z')
    // the seed type is kept as sent; the event says what it is in ECS terms (an SSH logon that failed, per raw_log)
    expect(e.event).toMatchObject({ action: 'ssh_login', category: ['authentication'], type: ['start'], outcome: 'failure', kind: 'event' })
    expect(e.source).toEqual({ ip: '203.0.113.7' })
    expect(e.destination).toEqual({ ip: '10.0.0.5' })
    expect(e.user?.name).toBe('alice')
    expect(e.host?.name).toBe('web-1')
    expect(e.message).toBe(valid.raw_log)
    expect(e.event.id).toBe('id-1')
  })

  it('accepts epoch seconds and milliseconds, ports, severity, and extra keys', () => {
    expect(ok(decodeRecord({ ...valid, timestamp: 1714557600 }, ctx))['@timestamp']).toBe('2024-05-01T10:00:00.000Z')
    expect(ok(decodeRecord({ ...valid, timestamp: 1714557600123 }, ctx))['@timestamp']).toBe('2024-05-01T10:00:00.123Z')
    const e = ok(decodeRecord({ ...valid, source_port: 50000, dest_port: '22', severity: 'high', extra: { nested: true } }, ctx))
    expect(e.source?.port).toBe(50000)
    expect(e.destination?.port).toBe(22)
    expect(e.event.severity).toBe(73)
    expect(ok(decodeRecord({ ...valid, severity: 40 }, ctx)).event.severity).toBe(40)
  })

  it('uses the ingest time when there is no timestamp, and treats null / empty as absent', () => {
    const e = ok(decodeRecord({ event_type: 'heartbeat', hostname: 'web-1', timestamp: null, source_ip: '', username: null }, ctx))
    expect(e['@timestamp']).toBe(ctx.ingested)
    expect(e.source).toBeUndefined()
    expect(e.user).toBeUndefined()
  })

  it('is detected from raw_log alone and from event_type with any seed field', () => {
    expect(ok(decodeRecord({ raw_log: 'x' }, ctx)).watchfloor.decoder).toBe('legacy')
    expect(ok(decodeRecord({ event_type: 'x', username: 'bob' }, ctx)).watchfloor.decoder).toBe('legacy')
    expect(ok(decodeRecord({ event_type: 'x' }, ctx)).watchfloor.decoder).toBe('unknown')
  })

  const invalid: [string, Record<string, unknown>, string][] = [
    ['source_ip as a number', { source_ip: 3405803783 }, 'source_ip:'],
    ['source_ip as an object', { source_ip: { ip: '1.2.3.4' } }, 'source_ip:'],
    ['source_ip not an IP', { source_ip: 'attacker.example.com' }, 'source_ip:'],
    ['source_ip with a port', { source_ip: '1.2.3.4:22' }, 'source_ip:'],
    ['dest_ip not an IP', { dest_ip: '999.1.1.1' }, 'dest_ip:'],
    ['dest_ip as an array', { dest_ip: ['10.0.0.1'] }, 'dest_ip:'],
    ['timestamp as an object', { timestamp: { $date: '2024-01-01' } }, 'timestamp:'],
    ['timestamp as a boolean', { timestamp: true }, 'timestamp:'],
    ['timestamp unparseable', { timestamp: 'last tuesday' }, 'timestamp:'],
    ['timestamp before 1970', { timestamp: '1969-07-20T20:17:00Z' }, 'timestamp:'],
    ['event_type as a number', { event_type: 4625 }, 'event_type:'],
    ['username as an object', { username: { name: 'alice' } }, 'username:'],
    ['hostname as a boolean', { hostname: false }, 'hostname:'],
    ['raw_log as an array', { raw_log: ['a', 'b'] }, 'raw_log:'],
    ['source_port out of range', { source_port: 70000 }, 'source_port:'],
    ['dest_port fractional', { dest_port: 22.5 }, 'dest_port:'],
    ['severity as an object', { severity: { level: 3 } }, 'severity:'],
    ['severity unknown word', { severity: 'apocalyptic' }, 'severity:'],
  ]
  for (const [name, patch, prefix] of invalid) {
    it(`rejects ${name} with RECORD_INVALID_FIELD`, () => {
      const r = decodeRecord({ ...valid, ...patch }, ctx)
      expect(r.ok).toBe(false)
      if (!r.ok) {
        expect(r.code).toBe('RECORD_INVALID_FIELD')
        expect(r.reason.startsWith(prefix)).toBe(true)
        expect(r.reason).toMatch(/expected/)
      }
    })
  }
})

describe('legacy decoder: the seed systems\' vocabulary', () => {
  const rec = (event_type: string, raw_log = '') => ok(decodeRecord({ timestamp: '2026-11-20T08:15:30Z', event_type, source_ip: '203.0.113.7', username: 'root', hostname: 'web-01', ...(raw_log ? { raw_log } : {}) }, ctx))

  it('maps logon activity, identifiers and free text alike, to ECS category, outcome and action', () => {
    for (const t of ['ssh_failed_login', 'SSH Failed Login', 'ssh-failed-login']) expect(rec(t).event).toMatchObject({ category: ['authentication'], outcome: 'failure', action: 'ssh_login' })
    expect(rec('Failed Login').event).toMatchObject({ category: ['authentication'], outcome: 'failure', action: 'login' })
    expect(rec('Failed Login', 'sshd[22]: Failed password for root from 203.0.113.7 port 4 ssh2').event.action).toBe('ssh_login')
    expect(rec('successful_login').event).toMatchObject({ category: ['authentication'], outcome: 'success' })
    expect(rec('ssh_failed_login').watchfloor.event_type).toBe('ssh_failed_login')
  })

  it('reads what raw_log says when the type is not one it knows', () => {
    const e = rec('auth_event', 'Accepted password for deploy from 198.51.100.4 port 5000 ssh2')
    expect(e.event).toMatchObject({ category: ['authentication'], outcome: 'success', action: 'ssh_login' })
    expect(e.user?.name).toBe('root') // the field given explicitly wins over the message
  })

  it('turns a finding the source made into an alert record naming it', () => {
    const cases: Array<[string, string]> = [
      ['port_scan', 'Port Scan'],
      ['Port Scan', 'Port Scan'],
      ['malware_detected', 'Malware Detected'],
      ['Privilege Escalation', 'Privilege Escalation'],
      ['data_exfiltration', 'Data Exfiltration'],
      ['lateral_movement', 'Lateral Movement'],
    ]
    for (const [t, name] of cases) {
      const e = rec(t)
      expect(e.event.kind, t).toBe('alert')
      expect(e.rule?.name, t).toBe(name)
    }
    expect(rec('something_else').event.kind).toBe('event')
  })
})
