/**
 * Benchmark input: real records from ../shared/data where present (OTRF Windows/Sysmon and
 * CloudTrail, Sigma regression events, AIT alert rows turned into the legacy shape), mixed
 * with generated legacy, Suricata, Zeek and ECS records. Every format the decoders know is in
 * the mix, so the figure is for a realistic workload, not for one easy shape.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import path from 'node:path'
import { unzipSync, strFromU8 } from 'fflate'

export type CorpusKind = 'mixed' | 'compact'

/**
 * mixed: real OTRF Windows/CloudTrail records (avg ~2 KB, long rendered Message fields) dominate,
 *        plus everything else; the heavy end of what SOCs ship.
 * compact: network and auth telemetry only (legacy, Suricata, Zeek, ECS web logs, AIT alerts;
 *        avg ~400 B); the light end.
 */
export function loadCorpus(sharedDir: string, kind: CorpusKind = 'mixed', limit = 20_000): string[] {
  const out: string[] = []
  if (kind === 'mixed') loadHeavy(sharedDir, limit, out)
  loadLight(sharedDir, out)
  // Interleave so every batch mixes formats.
  for (let i = out.length - 1; i > 0; i--) {
    const j = (i * 2654435761) % (i + 1)
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

/** Non-blank JSON lines of each `.json` file in the OTRF archives whose name starts with `prefix`, at most `perFile` each. */
export function otrfJsonLines(sharedDir: string, prefix = '', perFile = Infinity): string[] {
  const otrf = path.join(sharedDir, 'data/dev/otrf/archives')
  const out: string[] = []
  if (!existsSync(otrf)) return out
  for (const f of readdirSync(otrf).filter((x) => x.startsWith(prefix) && x.endsWith('.zip')).sort()) {
    for (const [name, bytes] of Object.entries(unzipSync(readFileSync(path.join(otrf, f))))) {
      if (!name.endsWith('.json')) continue
      let n = 0
      for (const line of strFromU8(bytes).split('\n')) {
        if (line.trim() && n++ < perFile) out.push(line.trim())
      }
    }
  }
  return out
}

function loadHeavy(sharedDir: string, limit: number, out: string[]): void {
  out.push(...otrfJsonLines(sharedDir, '', limit / 4))
  const sigma = path.join(sharedDir, 'data/sigma/regression_events.labeled.jsonl')
  if (existsSync(sigma)) {
    for (const line of readFileSync(sigma, 'utf8').split('\n')) {
      if (line.trim()) out.push(JSON.stringify((JSON.parse(line) as { event: unknown }).event))
    }
  }
}

function loadLight(sharedDir: string, out: string[]): void {
  const ait = path.join(sharedDir, 'data/dev/ait')
  if (existsSync(ait)) {
    for (const f of readdirSync(ait).filter((x) => x.endsWith('.csv.gz'))) {
      const rows = gunzipSync(readFileSync(path.join(ait, f))).toString('utf8').split('\n').slice(1, 2000)
      for (const r of rows) {
        const [time, name, ip, host] = r.split(',')
        if (!time || !ip) continue
        out.push(JSON.stringify({ timestamp: Number(time), event_type: 'ids_alert', source_ip: ip, hostname: host, raw_log: name }))
      }
    }
  }
  for (let i = 0; i < 4000; i++) {
    const ip = `203.0.${(i >> 8) & 255}.${i & 255}`
    const t = new Date(Date.UTC(2026, 10, 20, 8, 0, i % 60)).toISOString()
    out.push(JSON.stringify({ timestamp: t, event_type: 'ssh_failed_login', source_ip: ip, dest_ip: '10.0.0.5', username: `user${i % 50}`, hostname: 'bastion-1', raw_log: `Failed password for user${i % 50} from ${ip} port ${40000 + i} ssh2` }))
    out.push(JSON.stringify({ timestamp: t.replace('Z', '+0000'), flow_id: 1000 + i, event_type: 'alert', src_ip: ip, src_port: 40000 + i, dest_ip: '10.0.0.8', dest_port: 445, proto: 'TCP', alert: { action: 'allowed', gid: 1, signature_id: 2024218, rev: 3, signature: 'ET EXPLOIT Possible ETERNALBLUE MS17-010', category: 'Attempted Administrator Privilege Gain', severity: 1 } }))
    out.push(JSON.stringify({ ts: Date.parse(t) / 1000, uid: `C${i}x`, 'id.orig_h': ip, 'id.orig_p': 40000 + i, 'id.resp_h': '10.0.0.9', 'id.resp_p': 22, proto: 'tcp', service: 'ssh', duration: 0.2, orig_bytes: 1200, resp_bytes: 3400, conn_state: 'SF' }))
    out.push(JSON.stringify({ '@timestamp': t, message: `GET /login?u=${i} HTTP/1.1 401`, host: { name: 'web-1', ip: ['10.0.0.10'] }, source: { ip, port: 40000 + i }, destination: { ip: '10.0.0.10', port: 443 }, event: { kind: 'event', category: ['web'], action: 'http_request', outcome: 'failure' }, user_agent: { original: 'curl/8.0' }, ecs: { version: '8.11.0' }, agent: { type: 'filebeat' } }))
  }
  // Interleave so every batch mixes formats.
  for (let i = out.length - 1; i > 0; i--) {
    const j = (i * 2654435761) % (i + 1)
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
}
