/** `watchfloor replay` as a user runs it: a real process over real files, output read back. */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { zipSync } from 'fflate'
import { afterAll, describe, expect, it } from 'vitest'
import { dataPath, fixturePath, needData } from '../../test/support/data.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const lsassZip = 'dev/otrf/archives/SDWIN-201018195009.zip'
const otrf = needData(lsassZip)
const sigma = needData('sigma/regression_events.labeled.jsonl', 'sigma/rules', 'sigma/rules-emerging-threats', 'sigma/rules-threat-hunting')
const tmp = mkdtempSync(path.join(os.tmpdir(), 'wf-replay-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

function run(args: string[], input?: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [path.join(ROOT, 'cli/bin/watchfloor.js'), 'replay', ...args], { cwd: ROOT, encoding: 'utf8', input, timeout: 120_000, env: { ...process.env, ...env } })
}
const ndjson = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)

/** Bad lines then a Windows archive: one output line per record in input order, the summary, the same bytes twice. */
function replaysInOrder(zip: string, name: string) {
  const bad = path.join(tmp, `${name}-mixed.ndjson`)
  writeFileSync(bad, '{"event_type":"login","source_ip":"10.0.0.1"}\nnot json\n\n{"event_type":"x","source_ip":42}\n')
  const a = path.join(tmp, `${name}-a`)
  const res = run(['--out', a, bad, zip])
  expect(res.status, res.stderr).toBe(0)
  const records = ndjson(path.join(a, 'records.ndjson'))
  expect(records.slice(0, 3).map((r) => [r.input, r.line, r.severity])).toEqual([
    [bad, 1, 'NONE'],
    [bad, 2, 'NONE'],
    [bad, 3, 'NONE'],
  ])
  expect(records[1]!.decode_error).toMatchObject({ code: 'INGEST_MALFORMED_JSON' })
  expect(records[2]!.decode_error).toMatchObject({ code: 'RECORD_INVALID_FIELD' })
  expect(records[3]).toMatchObject({ input: zip, line: 1 })
  const summary = JSON.parse(readFileSync(path.join(a, 'summary.json'), 'utf8'))
  expect(summary.records).toBe(records.length)
  expect(summary.decode_failures).toEqual({ total: 2, by_code: { INGEST_MALFORMED_JSON: 1, RECORD_INVALID_FIELD: 1 } })
  expect(summary.by_decoder.windows_flat).toBe(records.length - 3)
  const b = path.join(tmp, `${name}-b`)
  expect(run(['--out', b, bad, zip]).status).toBe(0)
  for (const f of ['records.ndjson', 'alerts.ndjson', 'summary.json']) expect(readFileSync(path.join(b, f), 'utf8'), f).toBe(readFileSync(path.join(a, f), 'utf8'))
  // the built-in pack can be turned off: no rules, no alerts
  const c = path.join(tmp, `${name}-c`)
  expect(run(['--out', c, bad, zip], undefined, { DETECT_BUILTIN_RULES: 'false' }).status).toBe(0)
  expect(readFileSync(path.join(c, 'alerts.ndjson'), 'utf8')).toBe('')
  return records
}

/** Labelled regression events replayed with their Sigma rules: each fires its rule in the workers, tied to its record. */
function replaysSigma(lines: string[], dirs: string[], name: string) {
  const labels = lines.map((l) => JSON.parse(l).label as { rule_id: string; level: string; attack_techniques: string[] })
  const input = path.join(tmp, `${name}.ndjson`)
  writeFileSync(input, lines.map((l) => JSON.stringify(JSON.parse(l).event)).join('\n') + '\n')
  const out = path.join(tmp, `${name}-out`)
  const res = run(['--out', out, ...dirs.flatMap((d) => ['--rules', d]), input])
  expect(res.status, res.stderr).toBe(0)
  const alerts = ndjson(path.join(out, 'alerts.ndjson')) as { id: string; rule: { id: string; level: string }; severity: string; attack: { techniques: string[] }; records: { input: string; line: number }[] }[]
  const records = ndjson(path.join(out, 'records.ndjson'))
  labels.forEach((label, i) => {
    const hit = alerts.find((a) => a.rule.id === label.rule_id && a.records[0]!.line === i + 1)
    expect(hit, `record ${i + 1} should fire ${label.rule_id}`).toBeDefined()
    expect(hit!.attack.techniques).toEqual(expect.arrayContaining(label.attack_techniques))
    expect(records[i]!.alert_ids).toContain(hit!.id)
  })
  // the record takes the severity of its incident when triage raised it above the alert's
  expect(['HIGH', 'CRITICAL']).toContain(records[0]!.severity)
  expect(records[0]!.incident_id).toEqual(expect.any(String))
  const incidents = ndjson(path.join(out, 'incidents.ndjson'))
  expect(incidents.map((i) => i.id)).toContain(records[0]!.incident_id)
  const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'))
  expect(summary.alerts).toBe(alerts.length)
  expect(summary.by_level.high).toBeGreaterThanOrEqual(1)
}

describe('watchfloor replay', () => {
  it('writes one line per input record in input order, with the summary, deterministically (fixture: OTRF lines in a zip)', () => {
    const zip = path.join(tmp, 'SDWIN-190518210125.zip')
    writeFileSync(zip, zipSync({ 'empire_smbexec_dcerpc_smb_svcctl_2020-09-20025716.json': readFileSync(fixturePath('otrf', 'SDWIN-190518210125.sample.json')) }))
    expect(replaysInOrder(zip, 'fixture')).toHaveLength(3 + 16)
  })

  it.skipIf(!otrf.have)(otrf.title('writes one line per input record in input order, with the summary, deterministically (full archive)'), () => {
    replaysInOrder(dataPath(lsassZip), 'full')
  })

  it('matches Sigma rules in the workers and writes alerts tied to their records (fixture: 5 regression events and their rules)', () => {
    const lines = readFileSync(fixturePath('sigma', 'regression_events.sample.jsonl'), 'utf8').split('\n').filter(Boolean)
    expect(lines).toHaveLength(5)
    replaysSigma(lines, ['rules', 'rules-emerging-threats'].map((d) => fixturePath('sigma', d)), 'sigma-fixture')
  })

  it.skipIf(!sigma.have)(sigma.title('matches Sigma rules in the workers and writes alerts tied to their records (full SigmaHQ rule set)'), () => {
    const dir = dataPath('sigma')
    const lines = readFileSync(path.join(dir, 'regression_events.labeled.jsonl'), 'utf8').split('\n').filter(Boolean).slice(0, 3) // line 4 is a sibling event of its sample that does not carry the rule's pattern
    replaysSigma(lines, ['rules', 'rules-emerging-threats', 'rules-threat-hunting'].map((d) => path.join(dir, d)), 'sigma-full')
  })

  it('runs correlation rules over the records and ties every contributing record to the alert', () => {
    const fail = (i: number) => `Nov 23 10:00:${String(i).padStart(2, '0')} web1 sshd[${4000 + i}]: Failed password for root from 203.0.113.9 port ${40000 + i} ssh2`
    const input = path.join(tmp, 'auth.log')
    writeFileSync(input, [...Array.from({ length: 12 }, (_, i) => fail(i)), 'Nov 23 10:02:00 web1 sshd[5000]: Accepted password for root from 203.0.113.9 port 41000 ssh2', 'Nov 23 10:02:01 web1 cron[1]: (root) CMD (true)'].join('\n') + '\n')
    const out = path.join(tmp, 'auth-out')
    const res = run(['--out', out, input])
    expect(res.status, res.stderr).toBe(0)
    const alerts = ndjson(path.join(out, 'alerts.ndjson')) as { id: string; rule: { title: string }; severity: string; correlation: { type: string; value: number }; records: { line: number }[] }[]
    const brute = alerts.find((a) => a.rule.title === 'SSH Brute Force')!
    expect(brute).toMatchObject({ severity: 'HIGH', correlation: { type: 'event_count', value: 10 } })
    // the ten that fired it, plus the two later failures of the same burst
    expect(brute.records.map((r) => r.line)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1))
    const success = alerts.find((a) => a.rule.title === 'Brute Force Followed By Successful Login')!
    expect(success.severity).toBe('CRITICAL')
    expect(success.records.map((r) => r.line)).toContain(13)
    const records = ndjson(path.join(out, 'records.ndjson'))
    expect(records[11]!.alert_ids).toEqual([brute.id])
    // one incident for the source address: both alerts, every record of the attack, triaged
    const incidents = ndjson(path.join(out, 'incidents.ndjson')) as { id: string; alert_ids: string[]; severity: string; risk_score: number; confidence: number; verdict: { threat_type: string; auto_escalate: boolean; ip_reputation: { ip: string } }; entities: string[]; records: { line: number }[] }[]
    expect(incidents).toHaveLength(1)
    const inc = incidents[0]!
    expect(inc.alert_ids.sort()).toEqual([brute.id, success.id].sort())
    expect(inc).toMatchObject({ severity: 'CRITICAL', verdict: { threat_type: 'brute_force', auto_escalate: true, ip_reputation: { ip: '203.0.113.9' } } })
    expect(inc.entities).toContain('source_ip=203.0.113.9')
    expect(inc.records.map((r) => r.line)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1))
    expect(inc.risk_score).toBeGreaterThan(50)
    expect(records.map((r) => r.severity)).toEqual([...Array(13).fill('CRITICAL'), 'NONE'])
    expect(records.slice(0, 13).every((r) => r.incident_id === inc.id && r.risk_score === inc.risk_score)).toBe(true)
    expect(records[13]).toMatchObject({ incident_id: null, risk_score: 0 })
  })

  it('detects lateral movement and credential attacks from Zeek ASCII logs alone (fixture: a zip of conn, dce_rpc, smb_files, kerberos and ntlm logs)', () => {
    const dir = fixturePath('zeek')
    const names = ['conn.log', 'dce_rpc.log', 'kerberos.log', 'ntlm.log', 'smb_files.log']
    const zip = path.join(tmp, 'zeek-network-only.zip')
    writeFileSync(zip, zipSync(Object.fromEntries(names.map((n) => [`zeek/${n}`, new Uint8Array(readFileSync(path.join(dir, n)))]))))
    const out = path.join(tmp, 'zeek-out')
    const res = run(['--out', out, zip])
    expect(res.status, res.stderr).toBe(0)
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'))
    // every row is a Zeek entry (headers are not records), none left as unknown text
    expect(summary.by_decoder).toEqual({ zeek: 4 + 5 + 4 + 7 + 1 })
    const alerts = ndjson(path.join(out, 'alerts.ndjson')) as { rule: { title: string }; severity: string; attack: { techniques: string[] } }[]
    const techniques = new Set(alerts.flatMap((a) => a.attack.techniques))
    for (const t of ['T1021.002', 'T1569.002', 'T1570', 'T1003.006', 'T1558.003', 'T1110.003']) expect(techniques, t).toContain(t)
    expect(alerts.map((a) => a.rule.title)).toEqual(expect.arrayContaining(['Remote Service Created Or Started Over DCE-RPC', 'Directory Replication Requested Over DCE-RPC (DCSync)', 'Password Spraying']))
    // the attacker's address is one incident, escalated
    const incidents = ndjson(path.join(out, 'incidents.ndjson')) as { severity: string; entities: string[] }[]
    const attacker = incidents.filter((i) => i.entities.includes('source_ip=10.0.0.66'))
    expect(attacker.length).toBeGreaterThan(0)
    expect(attacker.every((i) => ['HIGH', 'CRITICAL'].includes(i.severity))).toBe(true)
  })

  it.skipIf(!sigma.have)(sigma.title("routes SigmaHQ's Zeek rules by Zeek log type on Zeek ASCII logs (rules/network/zeek)"), () => {
    const zip = path.join(tmp, 'zeek-sigma.zip')
    const dir = fixturePath('zeek')
    writeFileSync(zip, zipSync(Object.fromEntries(['dce_rpc.log', 'kerberos.log'].map((n) => [n, new Uint8Array(readFileSync(path.join(dir, n)))]))))
    const out = path.join(tmp, 'zeek-sigma-out')
    const res = run(['--out', out, '--rules', path.join(dataPath('sigma'), 'rules', 'network', 'zeek'), zip], undefined, { DETECT_BUILTIN_RULES: 'false' })
    expect(res.status, res.stderr).toBe(0)
    const titles = new Set((ndjson(path.join(out, 'alerts.ndjson')) as { rule: { title: string } }[]).map((a) => a.rule.title))
    expect([...titles].sort()).toEqual(['Kerberos Network Traffic RC4 Ticket Encryption', 'MITRE BZAR Indicators for Execution'])
  })

  it('escalates the attack steps no signature names: a scan from inside, DNS exfiltration, and anomaly findings on DNS, services and CPU; an Internet scan stays MEDIUM', () => {
    const conn = (src: string, i: number) => ({ _path: 'conn', ts: 1795946400 + i / 2, uid: `C${src}${i}`, 'id.orig_h': src, 'id.orig_p': 40000 + i, 'id.resp_h': src.startsWith('10.') ? '10.0.0.10' : '10.0.0.20', 'id.resp_p': 20 + i, proto: 'tcp', conn_state: 'S0' })
    const dns = (i: number) => ({ _path: 'dns', ts: 1795946500 + i, uid: `D${i}`, 'id.orig_h': '10.0.0.55', 'id.orig_p': 5353, 'id.resp_h': '10.0.0.2', 'id.resp_p': 53, proto: 'udp', trans_id: i, query: `${Buffer.from(`payroll-2026.xlsx chunk ${i} of 60`).toString('hex')}.x.exfil-example.net`, qtype_name: 'TXT', rcode_name: 'NOERROR' })
    const net = path.join(tmp, 'steps.ndjson')
    writeFileSync(net, [...Array.from({ length: 40 }, (_, i) => conn('10.0.0.77', i)), ...Array.from({ length: 40 }, (_, i) => conn('203.0.113.77', i)), ...Array.from({ length: 60 }, (_, i) => dns(i))].map((r) => JSON.stringify(r)).join('\n') + '\n')
    // anomaly detector findings as the AIT alert CSVs carry them (time, name, ip, host, short)
    const csv = path.join(tmp, 'anomalies.csv')
    writeFileSync(csv, ['time,name,ip,host,short', '1643404081,AMiner: New service_stop parameter combination in Audit logs.,192.168.3.116,internal_share,A-Aud', '1643467034,AMiner: New characters in DNS domain.,172.27.180.4,inet-firewall,A-Dns', '1643467313,AMiner: CPU value out of expected range in monitoring logs.,192.168.1.116,monitoring,A-Mon', '1643467400,AMiner: New user_acct parameter combination in Audit logs.,192.168.3.117,file_share,A-Aud'].join('\n') + '\n')
    const out = path.join(tmp, 'steps-out')
    const res = run(['--out', out, net, csv])
    expect(res.status, res.stderr).toBe(0)
    const records = ndjson(path.join(out, 'records.ndjson')) as { input: string; line: number; severity: string }[]
    const sev = (input: string, from: number, to: number) => new Set(records.filter((r) => r.input === input && r.line >= from && r.line <= to).map((r) => r.severity))
    const escalated = new Set(['HIGH', 'CRITICAL'])
    expect([...sev(net, 1, 40)].every((s) => escalated.has(s)), 'internal scan').toBe(true)
    expect([...sev(net, 41, 80)], 'Internet scan').toEqual(['MEDIUM'])
    expect([...sev(net, 81, 140)].every((s) => escalated.has(s)), 'DNS exfiltration').toBe(true)
    expect([1, 2, 3, 4].map((l) => records.find((r) => r.input === csv && r.line === l)!.severity)).toEqual(['HIGH', 'HIGH', 'HIGH', 'LOW'])
  })

  it('reports progress on stderr with --progress when stderr is not a terminal, and stays quiet without it', () => {
    const input = path.join(tmp, 'progress.ndjson')
    writeFileSync(input, Array.from({ length: 500 }, (_, i) => JSON.stringify({ event_type: 'x', source_ip: '10.0.0.1', n: i })).join('\n') + '\n')
    const loud = run(['--progress', '--out', path.join(tmp, 'progress-a'), input])
    expect(loud.status, loud.stderr).toBe(0)
    expect(loud.stderr).toMatch(/watchfloor replay: 500\/500 records, [\d,]+ records\/s, \d+ alerts/)
    const quiet = run(['--out', path.join(tmp, 'progress-b'), input])
    expect(quiet.stderr).not.toMatch(/records\/s/)
  })

  it('reads standard input with -', () => {
    const out = path.join(tmp, 'stdin')
    const res = run(['--out', out, '-'], '{"event_type":"a","source_ip":"10.0.0.1"}\n{"event_type":"b","source_ip":"10.0.0.2"}\n')
    expect(res.status, res.stderr).toBe(0)
    expect(ndjson(path.join(out, 'records.ndjson')).map((r) => [r.input, r.line])).toEqual([
      ['-', 1],
      ['-', 2],
    ])
  })

  it('reports a missing input and refuses a call without --out', () => {
    const res = run(['--out', path.join(tmp, 'missing'), path.join(tmp, 'nope.ndjson')])
    expect(res.status).toBe(1)
    expect(res.stderr).toMatch(/nope\.ndjson: ENOENT/)
    const usage = run([path.join(tmp, 'x.ndjson')])
    expect(usage.status).toBe(2)
    expect(usage.stderr).toMatch(/--out DIR is required/)
  })
})
