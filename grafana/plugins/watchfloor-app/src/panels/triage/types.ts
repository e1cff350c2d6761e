/** The triage panel's options (declared in module.ts). */
export interface TriageOptions {
  /** Incidents per page. */
  pageSize: number
  /** Dashboard variables the filters follow and set (names without `$`; empty: a filter of the panel's own). */
  severityVariable: string
  statusVariable: string
  ipVariable: string
}

export const DEFAULT_OPTIONS: TriageOptions = { pageSize: 25, severityVariable: 'severity', statusVariable: 'status', ipVariable: 'ip' }
