/**
 * The narrow services the API is given: it never sees the pipeline, the store or the workers.
 * Each has a small interface, so route tests can run on fakes through `buildApp(...)`.
 */
import type { Ingest } from '../sources/http/http.js'
import type { AuditLog } from './audit.js'
import type { Evidence } from './evidence.js'
import type { Health } from './health.js'
import type { IncidentService } from './incidents.js'
import type { Profiles } from './profiles.js'
import type { Stats } from './stats.js'
import type { Tokens } from './tokens.js'

export interface Services {
  ingest: Ingest
  incidents: IncidentService
  evidence: Evidence
  profiles: Profiles
  health: Health
  stats: Stats
  audit: AuditLog
  tokens: Tokens
}

export type { Ingest, IngestAnswer } from '../sources/http/http.js'
export type { Actor, AuditEntry, AuditLog, AuditQuery, ChangeContext } from './audit.js'
export type { AlertView, Evidence, EventView, HuntFilters, Page } from './evidence.js'
export type { ComponentHealth, ComponentStatus, Health, HealthReport } from './health.js'
export type { BulkResult, IncidentListQuery, IncidentService, IncidentView, RelatedIncident, SeedAction, StatusMove } from './incidents.js'
export { ALLOWED, SEED_ACTIONS, checkTransition, seedMove } from './incidents.js'
export type { Profiles } from './profiles.js'
export type { Stats, StatsReport } from './stats.js'
export { ROLES, type Role, type TokenRow, type Tokens } from './tokens.js'
