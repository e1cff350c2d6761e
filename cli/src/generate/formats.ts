/**
 * One record in each shape the decoders accept, as the shipper in front of Watchfloor would
 * write it: ECS as Filebeat/Vector/Logstash emit it, Sysmon and Security/System events flattened
 * as NXLog writes them, Zeek JSON logs, Suricata EVE JSON, Wazuh alerts (with the syslog line in
 * `full_log`), AWS CloudTrail records and the seed systems' own shape. Times are epoch ms.
 */
const iso = (t: number) => new Date(t).toISOString()
/** `2026-11-29 10:00:00.000`: Sysmon's UtcTime. */
const sysmonTime = (t: number) => iso(t).replace('T', ' ').replace('Z', '')

export type Rec = Record<string, unknown>

export interface HostRef {
  name: string
  fqdn: string
  ip: string
}

/** ECS process start (Auditbeat, Elastic Agent, Vector's exec/audit pipelines). */
export function ecsProcess(t: number, host: HostRef, user: string, name: string, commandLine: string, parent?: string): Rec {
  return {
    '@timestamp': iso(t),
    ecs: { version: '8.11.0' },
    event: { kind: 'event', category: ['process'], type: ['start'], dataset: 'auditd_manager.auditd', module: 'auditd' },
    host: { name: host.name, ip: [host.ip], os: { type: 'linux' } },
    user: { name: user },
    process: { name, executable: `/usr/bin/${name}`, command_line: commandLine, ...(parent ? { parent: { name: parent } } : {}) },
  }
}

/** ECS authentication (Filebeat's system/auth module on sshd). */
export function ecsSshAuth(t: number, host: HostRef, user: string, src: string, ok: boolean, port: number): Rec {
  return {
    '@timestamp': iso(t),
    ecs: { version: '8.11.0' },
    event: { kind: 'event', category: ['authentication'], type: ['start'], action: ok ? 'ssh_login' : 'ssh_login', outcome: ok ? 'success' : 'failure', dataset: 'system.auth', module: 'system' },
    host: { name: host.name, ip: [host.ip] },
    process: { name: 'sshd', pid: 1000 + (port % 30000) },
    source: { ip: src, port },
    user: { name: user },
    message: ok ? `Accepted password for ${user} from ${src} port ${port} ssh2` : `Failed password for ${user} from ${src} port ${port} ssh2`,
  }
}

/** ECS sudo record (Filebeat system/auth). */
export function ecsSudo(t: number, host: HostRef, user: string, command: string): Rec {
  return {
    '@timestamp': iso(t),
    event: { kind: 'event', category: ['process'], type: ['start'], action: 'sudo', dataset: 'system.auth', module: 'system' },
    host: { name: host.name, ip: [host.ip] },
    user: { name: user, target: { name: 'root' } },
    process: { name: 'sudo', command_line: command },
    message: `${user} : TTY=pts/0 ; PWD=/home/${user} ; USER=root ; COMMAND=${command}`,
  }
}

/** ECS web access (Filebeat nginx module / Vector). */
export function ecsWeb(t: number, host: HostRef, src: string, method: string, url: string, status: number, ua: string, bytes = 512): Rec {
  return {
    '@timestamp': iso(t),
    event: { kind: 'event', category: ['web'], type: ['access'], dataset: 'nginx.access', module: 'nginx', outcome: status < 400 ? 'success' : 'failure' },
    host: { name: host.name, ip: [host.ip] },
    source: { ip: src },
    destination: { ip: host.ip, port: 443 },
    url: { original: url },
    http: { request: { method }, response: { status_code: status, body: { bytes } } },
    user_agent: { original: ua },
  }
}

/** ECS DNS query (Packetbeat / Elastic Agent network_traffic). */
export function ecsDns(t: number, host: HostRef, resolver: string, name: string, type = 'A', rcode = 'NOERROR'): Rec {
  return {
    '@timestamp': iso(t),
    event: { kind: 'event', category: ['network'], type: ['protocol'], dataset: 'network_traffic.dns' },
    host: { name: host.name },
    source: { ip: host.ip, port: 50000 + (t % 10000) },
    destination: { ip: resolver, port: 53 },
    network: { protocol: 'dns', transport: 'udp' },
    dns: { question: { name, type }, response_code: rcode },
  }
}

/** ECS network flow with byte counts (Packetbeat flows, Elastic Agent). */
export function ecsFlow(t: number, host: HostRef, dst: string, port: number, sent: number, received: number): Rec {
  return {
    '@timestamp': iso(t),
    event: { kind: 'event', category: ['network'], type: ['connection', 'end'], dataset: 'network_traffic.flow' },
    host: { name: host.name },
    source: { ip: host.ip, port: 40000 + (t % 20000), bytes: sent },
    destination: { ip: dst, port, bytes: received },
    network: { transport: 'tcp' },
  }
}

/** A Sysmon event flattened as NXLog writes it (the OTRF datasets' shape). */
export function sysmon(t: number, host: HostRef, id: number, data: Rec): Rec {
  return {
    '@timestamp': iso(t),
    EventID: id,
    Channel: 'Microsoft-Windows-Sysmon/Operational',
    SourceName: 'Microsoft-Windows-Sysmon',
    Hostname: host.fqdn,
    UtcTime: sysmonTime(t),
    ...data,
  }
}

/** A Security or System event flattened as NXLog writes it. */
export function winEvent(t: number, host: HostRef, channel: 'Security' | 'System', id: number, data: Rec): Rec {
  return {
    '@timestamp': iso(t),
    EventID: id,
    Channel: channel,
    SourceName: channel === 'Security' ? 'Microsoft-Windows-Security-Auditing' : 'Service Control Manager',
    Hostname: host.fqdn,
    ...(channel === 'Security' ? { EventType: data.EventType ?? 'AUDIT_SUCCESS' } : {}),
    ...data,
  }
}

/** A Zeek log entry as Zeek's JSON writer gives it. */
export function zeek(t: number, path: string, uid: string, src: string, srcPort: number, dst: string, dstPort: number, fields: Rec): Rec {
  return { _path: path, ts: t / 1000, uid, 'id.orig_h': src, 'id.orig_p': srcPort, 'id.resp_h': dst, 'id.resp_p': dstPort, ...fields }
}

/** Suricata EVE JSON. */
export function suricata(t: number, type: 'alert' | 'flow' | 'dns', src: string, srcPort: number, dst: string, dstPort: number, extra: Rec): Rec {
  return {
    timestamp: iso(t).replace('Z', '+0000'),
    flow_id: 1_000_000_000 + (t % 1_000_000_000),
    in_iface: 'eth0',
    event_type: type,
    src_ip: src,
    src_port: srcPort,
    dest_ip: dst,
    dest_port: dstPort,
    proto: type === 'dns' ? 'UDP' : 'TCP',
    ...extra,
  }
}

/** A Wazuh alert; `fullLog` is the line the agent read (sshd, sudo, clamd...). */
export function wazuh(t: number, host: HostRef, rule: { id: string; description: string; level?: number; groups: string[] }, decoder: string, fullLog: string, data: Rec = {}): Rec {
  return {
    timestamp: iso(t).replace('Z', '+0000'),
    rule: { id: rule.id, description: rule.description, ...(rule.level !== undefined ? { level: rule.level } : {}), groups: rule.groups },
    agent: { id: String(100 + (host.name.length % 50)).padStart(3, '0'), name: host.name, ip: host.ip },
    manager: { name: 'wazuh-manager' },
    decoder: { name: decoder },
    location: '/var/log/auth.log',
    full_log: fullLog,
    data,
  }
}

/** An AWS CloudTrail record. */
export function cloudtrail(t: number, eventSource: string, eventName: string, identity: Rec, src: string, ua: string, extra: Rec = {}): Rec {
  return {
    eventVersion: '1.08',
    eventTime: iso(t).replace(/\.\d{3}Z$/, 'Z'),
    eventSource,
    eventName,
    awsRegion: 'eu-west-1',
    sourceIPAddress: src,
    userAgent: ua,
    userIdentity: identity,
    eventID: `${t.toString(16)}-${eventName.length}`,
    readOnly: /^(Get|List|Describe)/.test(eventName),
    ...extra,
  }
}

/** The seed systems' own shape. */
export function seed(t: number, eventType: string, src: string, dst: string, user: string, host: string, raw: string): Rec {
  return { timestamp: iso(t), event_type: eventType, source_ip: src, dest_ip: dst, username: user, hostname: host, raw_log: raw }
}
