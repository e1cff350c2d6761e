/** Entity profiles in ClickHouse (`entity_profiles`, latest version wins); every query is parameterized. */
import type { EntityKind, EntityProfile } from '@watchfloor/contracts'
import type { Store } from '../../sinks/clickhouse/client.js'
import type { ProfilePersistence } from './store.js'
import { chTime, nextVersion } from '../../sinks/clickhouse/values.js'


export class ClickHouseProfiles implements ProfilePersistence {
  constructor(private readonly store: Store) {}

  async load(keys: Array<{ kind: EntityKind; entity: string }>): Promise<EntityProfile[]> {
    const byKind = new Map<EntityKind, string[]>()
    for (const k of keys) byKind.set(k.kind, [...(byKind.get(k.kind) ?? []), k.entity])
    const out: EntityProfile[] = []
    for (const [kind, entities] of byKind) {
      const rs = await this.store.client.query({
        query: 'SELECT doc FROM entity_profiles FINAL WHERE kind = {kind:String} AND entity IN {entities:Array(String)}',
        query_params: { kind, entities },
        format: 'JSONEachRow',
      })
      for (const r of await rs.json<{ doc: string }>()) out.push(JSON.parse(r.doc) as EntityProfile)
    }
    return out
  }

  async keys(each: (kind: EntityKind, entity: string) => void): Promise<void> {
    const rs = await this.store.client.query({ query: 'SELECT DISTINCT kind, entity FROM entity_profiles', format: 'JSONCompactEachRow' })
    for (const [kind, entity] of await rs.json<[EntityKind, string]>()) each(kind, entity)
  }

  async save(profiles: EntityProfile[]): Promise<void> {
    const now = new Date().toISOString()
    const rows = profiles.map((p) =>
      JSON.stringify({
        kind: p.kind,
        entity: p.entity,
        version: nextVersion(),
        updated_at: chTime(now),
        first_seen: chTime(p.first_seen),
        last_seen: chTime(p.last_seen),
        events: p.events,
        risk_score: p.risk_score,
        internal: p.internal ? 1 : 0,
        doc: JSON.stringify(p),
      }),
    )
    await this.store.insertJsonRows('entity_profiles', rows.join('\n') + '\n', {})
  }
}
