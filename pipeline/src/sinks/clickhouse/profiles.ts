/** Entity profiles in ClickHouse (`entity_profiles`, latest version wins); every query is parameterized. */
import { parseProfile, type EntityKind, type EntityProfile } from '@watchfloor/contracts'
import type { ComponentCounters } from '../../telemetry/counters.js'
import type { ProfilePersistence, ProfileStore } from '../../transforms/profile/store.js'
import type { Store } from './client.js'
import { Periodic } from './periodic.js'
import { chTime, nextVersion, rowJson, storedDocument } from './values.js'
import { mapInSlices } from '../../lib/yield.js'


export class ClickHouseProfiles implements ProfilePersistence {
  /** `invalid` counts stored profiles that do not match the contract (skipped: the entity starts afresh). */
  constructor(
    private readonly store: Store,
    private readonly invalid?: ComponentCounters,
  ) {}

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
      for (const r of await rs.json<{ doc: string }>()) {
        const p = storedDocument(r.doc, parseProfile, this.invalid)
        if (p !== undefined) out.push(p)
      }
    }
    return out
  }

  async keys(each: (kind: EntityKind, entity: string) => void): Promise<void> {
    const rs = await this.store.client.query({ query: 'SELECT DISTINCT kind, entity FROM entity_profiles', format: 'JSONCompactEachRow' })
    for (const [kind, entity] of await rs.json<[EntityKind, string]>()) each(kind, entity)
  }

  async save(profiles: EntityProfile[]): Promise<void> {
    const now = new Date().toISOString()
    const rows = await mapInSlices(profiles, 1000, (p) =>
      rowJson({
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

/**
 * The profile sink: every `flushMs` the profiles that changed are written to `entity_profiles`
 * (one flush at a time; a failure is counted and retried at the next tick), and once more when
 * the pipeline stops.
 */
export class ProfileSink {
  private readonly periodic: Periodic

  constructor(
    private readonly profiles: ProfileStore,
    flushMs: number,
    private readonly counters: ComponentCounters,
  ) {
    this.periodic = new Periodic(() => this.write(), flushMs)
  }

  /** Starts the periodic flush; until the Bloom filter of stored keys is filled, every new entity is looked up. */
  start(): void {
    this.periodic.start(this.profiles.init())
  }

  private async write(): Promise<void> {
    try {
      await this.profiles.flush()
    } catch {
      this.counters.drop('sink_write_failed')
    }
  }

  flush(): Promise<void> {
    return this.periodic.now()
  }

  close(): Promise<void> {
    return this.periodic.close()
  }
}
