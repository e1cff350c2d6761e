/**
 * Heuristic triage: a verdict for every incident from its alerts, the entities' profiles and the
 * local threat-intel lists, with no network access. Explainable: every escalation step is named
 * in the analysis text.
 *
 * Severity starts at the highest alert severity and rises one level (to CRITICAL only from HIGH)
 * when independent evidence agrees: several distinct detections on the same entities, several
 * ATT&CK tactics (a kill chain in progress), an address on a threat-intel list, an entity whose
 * decayed risk is already high, or a scan from an internal address (discovery by a compromised host). Confidence grows with the same evidence.
 */
import type { IncidentSeverity, Verdict } from '@watchfloor/contracts'
import { isGenericAccount } from '../../lib/accounts.js'
import { iocsFromEvidence } from './iocs.js'
import type { TriageInput, Triager } from './triager.js'

const LEVELS: readonly IncidentSeverity[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']
/** Entity risk (0-100) from which any detection on the entity is HIGH. */
export const RISK_THRESHOLD = 90
/** Entity risk (0-100) that counts as independent evidence (raises the severity a level; an incident with it is corroborated). */
export const EVIDENCE_RISK = 80
const rank = (s: string) => Math.max(0, LEVELS.indexOf(s as IncidentSeverity))

/** Threat types in precedence order: the first whose evidence is present names the incident. */
const THREATS: ReadonlyArray<{ type: string; tactics?: string[]; techniques?: string[] }> = [
  { type: 'exfiltration', tactics: ['exfiltration'] },
  { type: 'impact', tactics: ['impact'] },
  { type: 'malware', tactics: ['command-and-control'], techniques: ['T1204', 'T1204.002', 'T1588.002'] },
  { type: 'credential_access', techniques: ['T1003', 'T1003.001', 'T1003.002', 'T1003.003', 'T1110.002', 'T1558.003'] },
  { type: 'lateral_movement', tactics: ['lateral-movement'] },
  { type: 'privilege_escalation', tactics: ['privilege-escalation'] },
  { type: 'web_attack', techniques: ['T1190', 'T1505.003'] },
  { type: 'brute_force', techniques: ['T1110', 'T1110.001', 'T1110.003', 'T1110.004'] },
  { type: 'persistence', tactics: ['persistence'] },
  { type: 'execution', tactics: ['execution', 'defense-evasion'] },
  { type: 'reconnaissance', tactics: ['reconnaissance', 'discovery'] },
  { type: 'collection', tactics: ['collection'] },
  { type: 'credential_access', tactics: ['credential-access'] },
  { type: 'initial_access', tactics: ['initial-access'] },
]

const RECOMMENDATIONS: Readonly<Record<string, string[]>> = {
  exfiltration: ['Identify the data sent and its destination; block the destination at the egress', 'Isolate the source host and preserve its memory and disk', 'Review the accounts used on the host for misuse'],
  impact: ['Isolate the affected hosts', 'Check backups and the integrity of the affected data and services'],
  malware: ['Isolate the host and collect the sample and its hashes', 'Block the command-and-control destinations', 'Search other hosts for the same indicators'],
  credential_access: ['Reset the credentials of every account logged on to the host', 'Isolate the host; look for the dumping tool and its output files', 'Hunt for use of the exposed accounts on other hosts'],
  lateral_movement: ['Trace the account and source host of the remote sessions', 'Disable or reset the account used if the activity is not an administrator\'s', 'Check the target hosts for new services, tasks and processes'],
  privilege_escalation: ['Confirm whether the user was entitled to the privilege change', 'Review the commands run with the elevated privileges'],
  web_attack: ['Check the web server logs and responses for successful exploitation', 'Patch or shield the targeted application (WAF rule)', 'Look for new files in the web root and processes spawned by the web server'],
  brute_force: ['Block or rate-limit the source address', 'Check for a successful login from the same source and reset the targeted accounts if one happened', 'Enforce MFA / account lockout on the targeted service'],
  persistence: ['Remove the persistence entry after collecting it', 'Find what created it (parent process, account) and when'],
  execution: ['Review the command line and parent process; collect the script or binary', 'Check the host for follow-on activity (network connections, persistence)'],
  reconnaissance: ['Confirm whether the scan is authorised', 'Block the source address if it is external; review exposed services it reached'],
  collection: ['Identify what was read and by which credentials', 'Rotate the credentials if they were not meant to be used this way'],
  initial_access: ['Confirm the account and source of the access', 'Reset credentials and review the session activity'],
  suspicious_activity: ['Review the alerts and the events they fired on', 'Close as benign if the activity is expected'],
}

export class HeuristicTriager implements Triager {
  readonly name = 'heuristic/1'

  triage(x: TriageInput): Verdict {
    const techniques = [...new Set(x.alerts.flatMap((a) => a.techniques))].sort()
    const tactics = [...new Set(x.alerts.flatMap((a) => a.tactics))]
    // evidence counts the tactics the rules say they saw, not every tactic of their techniques
    const seen = [...new Set(x.alerts.flatMap((a) => a.namedTactics))]
    const rules = new Map(x.alerts.map((a) => [a.rule.id, a]))
    const base = x.alerts.reduce((m, a) => Math.max(m, rank(a.severity)), 0)
    const reasons: string[] = []
    let level = base
    const lists = x.ip?.lists ?? []
    const evidence: string[] = []
    if (rules.size >= 2) evidence.push(`${rules.size} distinct detections`)
    if (seen.length >= 3) evidence.push(`${seen.length} ATT&CK tactics (${seen.join(', ')})`)
    if (lists.length > 0) evidence.push(`${x.ip!.address} is on threat-intel list ${lists.join(', ')}`)
    if (x.max_entity_risk >= EVIDENCE_RISK) evidence.push(`entity risk ${x.max_entity_risk}/100`)
    const correlated = x.alerts.some((a) => a.correlation)
    // a scan or sweep (a correlation, not one event) from an address inside the network is a host
    // already under an attacker's control mapping its neighbours; scans from outside stay as they are
    if (x.ip?.internal === true && x.alerts.some((a) => a.correlation && a.namedTactics.some((t) => t === 'discovery' || t === 'reconnaissance')))
      evidence.push(`discovery from inside the network (${x.ip.address})`)
    if (evidence.length > 0) {
      // one level up; CRITICAL needs an alert that was HIGH on its own, or two kinds of evidence
      const cap = base >= rank('HIGH') || evidence.length >= 2 ? 3 : 2
      level = Math.min(cap, Math.max(level, base + 1))
      reasons.push(level > base ? `raised from ${LEVELS[base]} to ${LEVELS[level]}: ${evidence.join('; ')}` : `${LEVELS[level]}, supported by ${evidence.join('; ')}`)
    }
    // risk-based alerting: an entity whose decayed risk is already at the threshold makes any new
    // detection on it at least HIGH (the attack on that entity is still going on)
    if (x.max_entity_risk >= RISK_THRESHOLD && level < rank('HIGH')) {
      reasons.push(`raised from ${LEVELS[level]} to HIGH: an entity's risk is ${x.max_entity_risk}/100 (threshold ${RISK_THRESHOLD})`)
      level = rank('HIGH')
    }
    const severity = LEVELS[level] as IncidentSeverity
    let confidence = 35 + 10 * base + 8 * Math.min(3, rules.size - 1) + 6 * Math.min(3, Math.max(0, seen.length - 1)) + (correlated ? 8 : 0) + (lists.length > 0 ? 15 : 0)
    if (x.alert_count >= 10) confidence += 5
    confidence = Math.max(10, Math.min(95, confidence))

    // a specific technique names the threat before a tactic does (T1078 alone spans four tactics)
    const threat =
      THREATS.find((t) => t.techniques?.some((c) => techniques.includes(c)))?.type ??
      THREATS.find((t) => t.tactics?.some((c) => seen.includes(c)))?.type ??
      THREATS.find((t) => t.tactics?.some((c) => tactics.includes(c)))?.type ??
      'suspicious_activity'
    const ip = x.ip
    const reputation: Verdict['ip_reputation'] =
      ip === null
        ? { ip: null, reputation: 'unknown', risk_score: 0, lists: [] }
        : { ip: ip.address, reputation: lists.length > 0 ? 'malicious' : ip.internal ? 'internal' : ip.risk_score >= 60 ? 'suspicious' : 'neutral', risk_score: ip.risk_score, lists }

    const entities = (prefix: string) => x.entities.filter((e) => e.startsWith(`${prefix}=`)).map((e) => e.slice(prefix.length + 1))
    const ips = [...new Set([...entities('source_ip'), ...entities('destination_ip')])]
    const found = iocsFromEvidence(x.evidence)
    const iocs: Verdict['iocs'] = {
      ips: [...new Set([...ips.filter((a) => a !== ip?.address || !ip.internal), ...found.ips])].slice(0, 50),
      users: entities('user').filter((u) => !isGenericAccount(u)).slice(0, 50),
      hosts: entities('host').slice(0, 50),
      domains: found.domains,
      urls: found.urls,
      ...(found.hashes.length > 0 ? { hashes: found.hashes } : {}),
      ...(found.files.length > 0 ? { files: found.files } : {}),
    }
    const top = [...rules.values()].sort((a, b) => rank(b.severity) - rank(a.severity) || b.count - a.count).slice(0, 5)
    const span = Math.max(0, Date.parse(x.last_seen) - Date.parse(x.first_seen))
    const analysis = [
      `${x.alert_count} alert${x.alert_count === 1 ? '' : 's'} from ${rules.size} detection${rules.size === 1 ? '' : 's'} over ${formatSpan(span)} (${x.first_seen} to ${x.last_seen}).`,
      `Main detections: ${top.map((a) => `${a.rule.title} (${a.severity}${a.count > 1 ? `, x${a.count}` : ''})`).join('; ')}.`,
      techniques.length > 0 ? `ATT&CK: ${techniques.join(', ')}${tactics.length > 0 ? ` (${tactics.join(', ')})` : ''}.` : 'No ATT&CK technique attached.',
      ip !== null ? `Address ${ip.address}: ${reputation.reputation}, risk ${ip.risk_score}/100${ip.internal && reputation.reputation !== 'internal' ? ', internal' : ''}.` : 'No source address.',
      level > base ? `Severity ${reasons.join('; then ')}.` : `Severity is the highest alert severity (${LEVELS[base]})${reasons.length > 0 ? `, ${reasons.join('; ')}` : ''}.`,
    ].join(' ')
    return {
      severity,
      confidence,
      threat_type: threat,
      attack: { techniques, tactics },
      ip_reputation: reputation,
      analysis,
      recommendations: RECOMMENDATIONS[threat] ?? RECOMMENDATIONS.suspicious_activity!,
      auto_escalate: severity === 'CRITICAL' || (severity === 'HIGH' && confidence >= 75),
      iocs,
      triager: this.name,
    }
  }
}

function formatSpan(ms: number): string {
  if (ms < 1000) return 'under a second'
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`
  return `${(ms / 3_600_000).toFixed(1)} h`
}
