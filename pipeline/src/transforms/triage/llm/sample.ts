/**
 * A sample incident context for the LLM triager's tests and the local-model check (a test double
 * shipped next to the real thing): an SSH brute force from one external address on one host,
 * one detection, the heuristic verdict computed by the real HeuristicTriager (HIGH, uncorroborated),
 * entity profiles and similar incidents. Every log-derived value can be replaced, e.g. to put an
 * injected instruction in a user name or a command line.
 */
import type { EntityProfile, Incident } from '@watchfloor/contracts'
import { HeuristicTriager } from '../heuristic.js'
import type { TriageInput } from '../triager.js'
import type { SuggestContext } from './prompt.js'

export interface SampleOptions {
  user?: string
  host?: string
  sourceIp?: string
  /** A command line the detection matched (goes into the context's evidence). */
  commandLine?: string
  /** Distinct detections (1: uncorroborated). */
  rules?: number
  /** Highest entity risk. */
  risk?: number
  /** Threat-intel lists the source address is on. */
  lists?: string[]
  incidentId?: string
}

export function sampleContext(o: SampleOptions = {}): SuggestContext {
  const user = o.user ?? 'root'
  const host = o.host ?? 'web1'
  const ip = o.sourceIp ?? '203.0.113.9'
  const ruleCount = o.rules ?? 1
  const first = '2026-11-23T09:58:12.345Z'
  const last = '2026-11-23T10:01:44.002Z'
  const rules = Array.from({ length: ruleCount }, (_, i) => ({
    id: i === 0 ? 'ssh-brute-force' : `rule-${i}`,
    title: i === 0 ? 'SSH brute force' : `Suspicious activity ${i}`,
    level: 'high',
    severity: 'HIGH',
    techniques: i === 0 ? ['T1110', 'T1110.001'] : ['T1059'],
    tactics: i === 0 ? ['credential-access'] : ['execution'],
    named: i === 0 ? ['credential-access'] : ['execution'],
    count: i === 0 ? 25 : 1,
  }))
  const entities = [`source_ip=${ip}`, 'destination_ip=10.0.0.5', `user=${user}`, `host=${host}`]
  const input: TriageInput = {
    title: 'SSH brute force',
    alerts: rules.map((r, i) => ({ id: `al-${i + 1}`, rule: { id: r.id, title: r.title, level: r.level }, severity: r.severity, techniques: r.techniques, tactics: r.tactics, namedTactics: r.named, correlation: false, count: r.count })),
    entities,
    first_seen: first,
    last_seen: last,
    alert_count: rules.reduce((n, r) => n + r.count, 0),
    ip: { address: ip, internal: false, risk_score: o.risk ?? 40, lists: o.lists ?? [] },
    max_entity_risk: o.risk ?? 40,
  }
  const verdict = new HeuristicTriager().triage(input)
  const incident: Incident = {
    id: o.incidentId ?? 'inc-7f3a9c1e2b4d',
    title: input.title,
    status: 'new',
    created_at: first,
    first_seen: first,
    last_seen: last,
    severity: verdict.severity,
    risk_score: o.risk ?? 40,
    confidence: verdict.confidence,
    verdict,
    entities,
    alert_ids: input.alerts.map((a) => a.id),
    alert_count: input.alert_count,
    fingerprints: Object.fromEntries(rules.map((r) => [`${r.id}|source_ip=${ip}`, { rule_id: r.id, count: r.count, first_seen: first, last_seen: last }])),
    links: rules.map((r, i) => ({ alert_id: `al-${i + 1}`, rule: { id: r.id, title: r.title }, reason: i === 0 ? ('first' as const) : ('shared_entity' as const), ...(i === 0 ? {} : { entity: `source_ip=${ip}` }), gap_ms: i === 0 ? 0 : 1200 })),
    event_ids: ['ev-1', 'ev-2'],
    rules: Object.fromEntries(rules.map((r, i) => [r.id, { title: r.title, level: r.level, severity: r.severity, techniques: r.techniques, tactics: r.tactics, named_tactics: r.named, correlation: false, count: r.count, first_alert: `al-${i + 1}` }])),
    source_ips: { [ip]: input.alert_count },
    version: 3,
  }
  const profile = (kind: EntityProfile['kind'], entity: string, extra: Partial<EntityProfile> = {}): EntityProfile => ({
    kind,
    entity,
    first_seen: first,
    last_seen: last,
    events: 412,
    event_types: { authentication: 412 },
    severities: { LOW: 412 },
    alerts: { HIGH: 25 },
    techniques: ['T1110'],
    tactics: ['credential-access'],
    ports: [22],
    users: [],
    hosts: [],
    risk_score: o.risk ?? 40,
    risk_at: last,
    ...extra,
  })
  const profiles = [profile('source_ip', ip, { internal: false, users: [user], hosts: [host] }), profile('user', user, { hosts: [host] }), profile('host', host, { users: [user] })]
  const similar = [
    { id: 'inc-older-1', score: 12.5, title: 'SSH brute force', severity: 'HIGH', status: 'closed', disposition: 'true_positive', closed_by: 'alice', closed_at: '2026-11-20T08:00:00.000Z', reasons: { entities: [`host=${host}`], rules: ['ssh-brute-force'], techniques: ['T1110'], text: ['ssh', 'brute'] } },
    { id: 'inc-older-2', score: 7.1, title: 'SSH brute force', severity: 'MEDIUM', status: 'closed', disposition: 'false_positive', closed_by: 'bob', closed_at: '2026-11-18T08:00:00.000Z', reasons: { entities: [], rules: ['ssh-brute-force'], techniques: ['T1110'], text: ['ssh'] } },
  ]
  return {
    incident,
    input,
    heuristic: verdict,
    profiles,
    similar,
    ...(o.commandLine === undefined ? {} : { evidence: [{ rule: 'SSH brute force', field: 'CommandLine', value: o.commandLine }] }),
  }
}
