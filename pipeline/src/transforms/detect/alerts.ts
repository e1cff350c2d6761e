/**
 * From a rule match to an alert: severity from the rule level, ATT&CK from the rule's tags, an id
 * that is the same for the same (event, rule) so re-delivered events do not double alerts.
 */
import { hash } from 'node:crypto'
import type { TaskAlert } from './types.js'
import { resolveAttack } from './attack.js'

export type Severity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'NONE'

export const SEVERITY_OF_LEVEL: Readonly<Record<string, Severity>> = { critical: 'CRITICAL', high: 'HIGH', medium: 'MEDIUM', low: 'LOW', informational: 'LOW' }
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { NONE: 0, LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 }

export function severityOf(level: string): Severity {
  return SEVERITY_OF_LEVEL[level.toLowerCase()] ?? 'LOW'
}

/**
 * ATT&CK of a rule from its Sigma tags, resolved through the Enterprise v18.1 table: current
 * technique ids (retired ones mapped to their replacement), and the tactics of those techniques
 * plus any tactic the rule names, in ATT&CK's tactic order.
 */
export function attackFromTags(tags: readonly string[]): { techniques: string[]; tactics: string[] } {
  const { techniques, tactics } = resolveAttack(tags)
  return { techniques, tactics }
}

/** A UUID-shaped id derived from a key (name-based, version 5 layout). */
export function stableId(key: string): string {
  const h = hash('sha256', key, 'hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

export function alertId(a: Pick<TaskAlert, 'eventId' | 'rule'>): string {
  return stableId(`${a.eventId}/${a.rule.id}`)
}
