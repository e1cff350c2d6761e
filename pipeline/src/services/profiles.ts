/** Entity profiles as the API reads them: the pipeline's memory (the freshest state), else ClickHouse after a restart or an eviction. */
import type { EntityKind, EntityProfile } from '@watchfloor/contracts'
import { WatchfloorError } from '../errors.js'
import type { ProfileStore } from '../transforms/profile/store.js'

export interface Profiles {
  /** Throws PROFILE_NOT_FOUND when profiling is off or the entity has no profile. */
  get(kind: EntityKind, entity: string): Promise<EntityProfile>
}

export class LiveProfiles implements Profiles {
  constructor(private readonly store: ProfileStore | undefined) {}

  async get(kind: EntityKind, entity: string): Promise<EntityProfile> {
    if (this.store === undefined) throw new WatchfloorError('PROFILE_NOT_FOUND', 'profiling is off (PROFILE_ENABLED=false)')
    const p = await this.store.get(kind, entity)
    if (p === undefined) throw new WatchfloorError('PROFILE_NOT_FOUND', `no ${kind} profile for ${entity}`)
    return p
  }
}
