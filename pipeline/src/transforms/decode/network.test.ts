/** Suricata, Zeek and Wazuh: hand-written records in each product's documented shape. */
import type { CanonicalEvent } from '@watchfloor/contracts'
import { describe, expect, it } from 'vitest'
import { decodeRecord } from './index.js'
import type { DecodeContext, DecodeResult } from './index.js'

const ctx: DecodeContext = { id: 'id-1', ingested: '2030-01-01T00:00:00.000Z', source: 'kafka' }

function ok(r: DecodeResult): CanonicalEvent {
  if (!r.ok) throw new Error(`decode failed: ${r.code} ${r.reason}`)
  return r.event
}

describe('suricata decoder', () => {
  const alert = {
    timestamp: '2022-01-21T10:00:00.123456+0000',
    flow_id: 1234567890123456,
    in_iface: 'eth0',
    event_type: 'alert',
    src_ip: '192.168.1.10',
    src_port: 51234,
    dest_ip: '203.0.113.9',
    dest_port: 80,
    proto: 'TCP',
    app_proto: 'http',
    alert: { action: 'allowed', gid: 1, signature_id: 2019284, rev: 3, signature: 'ET POLICY curl User-Agent Outbound', category: 'Attempted Information Leak', severity: 2 },
    http: { hostname: 'example.com', url: '/index.php?id=1', http_user_agent: 'curl/7.68.0', http_method: 'GET', status: 200 },
  }

  it('maps an alert', () => {
    const e = ok(decodeRecord(alert, ctx))
    expect(e.watchfloor).toMatchObject({ decoder: 'suricata', decode_status: 'ok', event_type: 'alert' })
    expect(e['@timestamp']).toBe('2022-01-21T10:00:00.123Z')
    expect(e.event).toMatchObject({ kind: 'alert', code: '2019284', severity: 47, action: 'allowed', module: 'suricata' })
    expect(e.event.category).toEqual(['network', 'intrusion_detection'])
    expect(e.source).toEqual({ ip: '192.168.1.10', port: 51234 })
    expect(e.destination).toEqual({ ip: '203.0.113.9', port: 80, domain: 'example.com' })
    expect(e.network).toEqual({ transport: 'tcp', protocol: 'http' })
    expect(e.rule).toEqual({ id: '2019284', name: 'ET POLICY curl User-Agent Outbound', category: 'Attempted Information Leak' })
    expect(e.url?.original).toBe('/index.php?id=1')
    expect(e.user_agent?.original).toBe('curl/7.68.0')
    expect(e.message).toBe('ET POLICY curl User-Agent Outbound')
  })

  it('maps flow, dns and tls events, and keeps severity 1 as high', () => {
    const flow = ok(decodeRecord({ timestamp: '2022-01-21T10:00:01.000000+0000', flow_id: 1, event_type: 'flow', src_ip: 'fe80::1', src_port: 5353, dest_ip: 'ff02::fb', dest_port: 5353, proto: 'UDP' }, ctx))
    expect(flow.event.kind).toBe('event')
    expect(flow.event.type).toEqual(['connection', 'end'])
    expect(flow.network?.transport).toBe('udp')
    const dns = ok(decodeRecord({ timestamp: '2022-01-21T10:00:02+0000', event_type: 'dns', src_ip: '10.0.0.1', dest_ip: '10.0.0.53', proto: 'UDP', dns: { type: 'query', rrname: 'evil.example', rrtype: 'A' } }, ctx))
    expect(dns.destination?.domain).toBe('evil.example')
    const tls = ok(decodeRecord({ timestamp: '2022-01-21T10:00:03+0000', event_type: 'tls', src_ip: '10.0.0.1', dest_ip: '1.1.1.1', tls: { sni: 'one.one.one.one' } }, ctx))
    expect(tls.destination?.domain).toBe('one.one.one.one')
    const high = ok(decodeRecord({ ...alert, alert: { ...alert.alert, severity: 1 } }, ctx))
    expect(high.event.severity).toBe(73)
  })

  it('drops an unusable address with a note instead of rejecting the record', () => {
    const e = ok(decodeRecord({ ...alert, src_ip: 'not-an-ip', dest_port: 99999 }, ctx))
    expect(e.watchfloor.decode_status).toBe('partial')
    expect(e.source?.ip).toBeUndefined()
    expect(e.destination?.port).toBeUndefined()
    expect(e.watchfloor.decode_notes).toEqual([
      'src_ip: expected an IP address, got "not-an-ip"',
      'dest_port: expected an integer port 0-65535, got 99999',
    ])
  })

  it('is not confused with the legacy shape (event_type + dest_ip)', () => {
    expect(ok(decodeRecord({ timestamp: '2022-01-21T10:00:00+0000', event_type: 'alert', src_ip: '1.2.3.4', dest_ip: '5.6.7.8' }, ctx)).watchfloor.decoder).toBe('suricata')
    expect(ok(decodeRecord({ timestamp: '2022-01-21T10:00:00Z', event_type: 'alert', source_ip: '1.2.3.4', dest_ip: '5.6.7.8' }, ctx)).watchfloor.decoder).toBe('legacy')
  })
})

describe('zeek decoder', () => {
  it('maps conn.log with literal dotted keys', () => {
    const e = ok(decodeRecord({ _path: 'conn', ts: 1591367999.305988, uid: 'CMdzit1AMNsmfAIiQc', 'id.orig_h': '192.168.4.76', 'id.orig_p': 36844, 'id.resp_h': '192.168.4.1', 'id.resp_p': 53, proto: 'udp', service: 'dns', duration: 0.066, conn_state: 'SF' }, ctx))
    expect(e.watchfloor).toMatchObject({ decoder: 'zeek', decode_status: 'ok' })
    expect(e['@timestamp']).toBe('2020-06-05T14:39:59.306Z')
    expect(e.source).toEqual({ ip: '192.168.4.76', port: 36844 })
    expect(e.destination).toEqual({ ip: '192.168.4.1', port: 53 })
    expect(e.network).toEqual({ transport: 'udp', protocol: 'dns' })
    expect(e.event).toMatchObject({ dataset: 'zeek.conn', action: 'SF', type: ['connection'] })
  })

  it('maps the nested id form with an ISO ts and no _path', () => {
    const e = ok(decodeRecord({ ts: '2020-06-05T14:39:59.305988Z', uid: 'C1', id: { orig_h: '10.0.0.2', orig_p: 22222, resp_h: '10.0.0.3', resp_p: 22 }, proto: 'tcp' }, ctx))
    expect(e['@timestamp']).toBe('2020-06-05T14:39:59.305Z')
    expect(e.source).toEqual({ ip: '10.0.0.2', port: 22222 })
    expect(e.destination).toEqual({ ip: '10.0.0.3', port: 22 })
    expect(e.event.dataset).toBe('zeek')
  })

  it('maps http, ssh and notice specifics', () => {
    const http = ok(decodeRecord({ _path: 'http', ts: 1591367999, uid: 'C2', 'id.orig_h': '10.0.0.2', 'id.orig_p': 1, 'id.resp_h': '10.0.0.3', 'id.resp_p': 80, host: 'example.com', uri: '/a?b=c', user_agent: 'Mozilla/5.0' }, ctx))
    expect(http.url?.original).toBe('/a?b=c')
    expect(http.destination?.domain).toBe('example.com')
    expect(http.user_agent?.original).toBe('Mozilla/5.0')
    const ssh = ok(decodeRecord({ _path: 'ssh', ts: 1591367999, uid: 'C3', 'id.orig_h': '10.0.0.2', 'id.orig_p': 1, 'id.resp_h': '10.0.0.3', 'id.resp_p': 22, auth_success: false }, ctx))
    expect(ssh.event.outcome).toBe('failure')
    expect(ssh.event.category).toEqual(['network', 'authentication'])
    const notice = ok(decodeRecord({ _path: 'notice', ts: 1591367999, uid: 'C4', 'id.orig_h': '10.0.0.2', note: 'Scan::Port_Scan', msg: '10.0.0.2 scanned 15 ports' }, ctx))
    expect(notice.event.kind).toBe('alert')
    expect(notice.rule?.name).toBe('Scan::Port_Scan')
    expect(notice.message).toBe('10.0.0.2 scanned 15 ports')
  })
})

describe('wazuh decoder', () => {
  const alert = {
    timestamp: '2022-01-21T10:00:00.000+0000',
    rule: { level: 10, description: 'sshd: brute force trying to get access to the system.', id: '5712', firedtimes: 3, mail: false, groups: ['syslog', 'sshd', 'authentication_failures'], mitre: { id: ['T1110'], tactic: ['Credential Access'], technique: ['Brute Force'] } },
    agent: { id: '001', name: 'web-1', ip: '10.0.0.8' },
    manager: { name: 'wazuh-manager' },
    id: '1642759200.12345',
    full_log: 'Jan 21 10:00:00 web-1 sshd[1234]: Failed password for invalid user admin from 203.0.113.50 port 40000 ssh2',
    decoder: { parent: 'sshd', name: 'sshd' },
    data: { srcip: '203.0.113.50', srcport: '40000', dstuser: 'admin' },
    location: '/var/log/auth.log',
  }

  it('maps an alert', () => {
    const e = ok(decodeRecord(alert, ctx))
    expect(e.watchfloor).toMatchObject({ decoder: 'wazuh', decode_status: 'ok' })
    expect(e['@timestamp']).toBe('2022-01-21T10:00:00.000Z')
    expect(e.event).toMatchObject({ kind: 'alert', code: '5712', severity: 67, outcome: 'failure', provider: 'sshd', category: ['authentication'] })
    expect(e.rule).toEqual({ id: '5712', name: 'sshd: brute force trying to get access to the system.', category: 'syslog,sshd,authentication_failures', level: '10' })
    expect(e.host).toEqual({ name: 'web-1', ip: ['10.0.0.8'] })
    expect(e.source).toEqual({ ip: '203.0.113.50', port: 40000 })
    expect(e.user?.name).toBe('admin')
    expect(e.message).toBe(alert.full_log)
  })

  it('uses the manager name for manager-local alerts and keeps src/dst users apart', () => {
    const e = ok(decodeRecord({ ...alert, agent: { id: '000', name: 'wazuh-manager' }, data: { srcuser: 'alice', dstuser: 'root' }, full_log: undefined }, ctx))
    expect(e.host?.name).toBe('wazuh-manager')
    expect(e.user).toEqual({ name: 'alice', target: { name: 'root' } })
    expect(e.message).toBe(alert.rule.description)
  })

  it('flags a level outside 0-15 as partial', () => {
    const e = ok(decodeRecord({ ...alert, rule: { ...alert.rule, level: 99 } }, ctx))
    expect(e.watchfloor.decode_status).toBe('partial')
    expect(e.event.severity).toBeUndefined()
  })
})
