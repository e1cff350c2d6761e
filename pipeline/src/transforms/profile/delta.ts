/**
 * Worker side of entity profiling: the events of one task folded into one delta per entity
 * (source IP, destination IP, user, host). Deltas are commutative sums, so the main thread can
 * merge them in any order, from any worker, and never double counts or loses an update.
 */
import type { CanonicalEvent, EntityKind } from '@watchfloor/contracts'

/** Distinct values kept per list in a delta and in a profile. */
export const LIST_CAP = 64

export interface ProfileDelta {
  kind: EntityKind
  entity: string
  first: string
  last: string
  events: number
  types: Record<string, number>
  severities: Record<string, number>
  ports: number[]
  users: string[]
  hosts: string[]
}

/** Severity bucket of an event's own 0-100 severity (the scale of normalize/severity.ts). */
export function eventSeverity(s: number | undefined): string {
  if (s === undefined || s <= 0) return 'NONE'
  if (s >= 90) return 'CRITICAL'
  if (s >= 65) return 'HIGH'
  if (s >= 40) return 'MEDIUM'
  return 'LOW'
}

/** The short type profiles count an event under. */
export function eventType(ev: CanonicalEvent): string {
  return ev.watchfloor.event_type ?? ev.event.action ?? ev.event.category?.[0] ?? ev.watchfloor.decoder
}

function addUnique<T>(list: T[], v: T | undefined): void {
  if (v === undefined || (typeof v === 'string' && v === '') || list.length >= LIST_CAP || list.includes(v)) return
  list.push(v)
}

export class DeltaCollector {
  /** One map per entity kind, keyed by the entity itself (no composite key per event). */
  private readonly maps: Record<EntityKind, Map<string, ProfileDelta>> = { source_ip: new Map(), destination_ip: new Map(), user: new Map(), host: new Map() }

  private get(kind: EntityKind, entity: string, ts: string, type: string, sev: string): ProfileDelta {
    const m = this.maps[kind]
    let d = m.get(entity)
    if (d === undefined) {
      d = { kind, entity, first: ts, last: ts, events: 0, types: {}, severities: {}, ports: [], users: [], hosts: [] }
      m.set(entity, d)
    } else {
      if (ts < d.first) d.first = ts
      if (ts > d.last) d.last = ts
    }
    d.events++
    d.types[type] = (d.types[type] ?? 0) + 1
    d.severities[sev] = (d.severities[sev] ?? 0) + 1
    return d
  }

  add(ev: CanonicalEvent): void {
    const src = ev.source?.ip
    const dst = ev.destination?.ip
    const user = ev.user?.name
    const host = ev.host?.name
    if (src === undefined && dst === undefined && user === undefined && host === undefined) return
    const ts = ev['@timestamp']
    const type = eventType(ev)
    const sev = eventSeverity(ev.event.severity)
    const port = ev.destination?.port
    if (src !== undefined) {
      const d = this.get('source_ip', src, ts, type, sev)
      addUnique(d.ports, port)
      addUnique(d.users, user)
      addUnique(d.hosts, host)
      addUnique(d.hosts, dst)
    }
    if (dst !== undefined && dst !== src) {
      const d = this.get('destination_ip', dst, ts, type, sev)
      addUnique(d.ports, port)
      addUnique(d.users, user)
      addUnique(d.hosts, host)
    }
    if (user !== undefined) {
      const d = this.get('user', user, ts, type, sev)
      addUnique(d.hosts, host)
      addUnique(d.hosts, dst)
    }
    if (host !== undefined) {
      const d = this.get('host', host, ts, type, sev)
      addUnique(d.users, user)
      addUnique(d.ports, port)
    }
  }

  result(): ProfileDelta[] {
    const out: ProfileDelta[] = []
    for (const m of Object.values(this.maps)) for (const d of m.values()) out.push(d)
    return out
  }
}
