/**
 * The standalone page: a Grafana-style top bar (overview numbers from /api/stats, the time range,
 * sign-in), the overview charts of the range (/api/overview), and the same TriageView the Grafana
 * panel renders, all on a `FetchBackend` instead of the plugin proxy. Reads need a token only when the API says so (API_AUTH=all answers 401); actions
 * always do, and their refusal is shown by the view as in Grafana.
 */
import React, { useCallback, useEffect, useMemo, useState } from 'react'
import { css } from '@emotion/css'
import type { GrafanaTheme2 } from '@grafana/data'
import { Button, Field, Input, useStyles2 } from '@grafana/ui'
import { asApiError, type ApiError } from '../api/backend'
import type { OverviewView } from '../api/decode'
import { OverviewCharts } from '../overview/OverviewCharts'
import { WatchfloorClient } from '../api/watchfloor'
import { NO_FILTERS, TriageView, type Filters } from '../triage/TriageView'
import { nativeSelect } from '../triage/styles'
import { FetchBackend } from './http'
import type { TokenStore } from './session'

const RANGES = [
  { label: 'Last 24 hours', ms: 24 * 3600_000 },
  { label: 'Last 7 days', ms: 7 * 24 * 3600_000 },
  { label: 'Last 30 days', ms: 30 * 24 * 3600_000 },
  { label: 'Last year', ms: 365 * 24 * 3600_000 },
] as const

export interface Overview {
  events: number
  incidents: number
  open: number
  critical: number
  deadLetters: number
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0)

/** The few numbers the top bar shows, from /api/stats (anything missing counts as 0). */
export function overviewOf(stats: unknown): Overview {
  const s = isObj(stats) ? stats : {}
  const byStatus = isObj(s.incidents_by_status) ? s.incidents_by_status : {}
  const bySeverity = isObj(s.incidents_by_severity) ? s.incidents_by_severity : {}
  const open = Object.entries(byStatus).reduce((n, [k, v]) => (k === 'closed' ? n : n + num(v)), 0)
  return { events: num(s.total_events), incidents: num(s.total_incidents), open, critical: num(bySeverity.CRITICAL), deadLetters: num(s.dead_letters) }
}

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ display: 'flex', flexDirection: 'column', height: '100vh', background: theme.colors.background.canvas, color: theme.colors.text.primary, fontFamily: theme.typography.fontFamily }),
  bar: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(2),
    padding: theme.spacing(1, 2),
    background: theme.colors.background.primary,
    borderBottom: `1px solid ${theme.colors.border.weak}`,
    flexWrap: 'wrap',
  }),
  brand: css({ fontSize: theme.typography.h4.fontSize, fontWeight: theme.typography.fontWeightMedium, marginRight: 'auto' }),
  stats: css({ display: 'flex', gap: theme.spacing(1) }),
  stat: css({ padding: theme.spacing(0.5, 1.5), background: theme.colors.background.secondary, border: `1px solid ${theme.colors.border.weak}`, borderRadius: theme.shape.radius.default, textAlign: 'center' }),
  statValue: css({ fontSize: theme.typography.h4.fontSize, fontWeight: theme.typography.fontWeightBold, lineHeight: 1.2 }),
  statLabel: css({ fontSize: theme.typography.bodySmall.fontSize, color: theme.colors.text.secondary }),
  select: nativeSelect(theme),
  body: css({ flex: 1, minHeight: 0, padding: theme.spacing(2), display: 'flex', flexDirection: 'column', gap: theme.spacing(1) }),
  charts: css({ height: 200, flex: '0 0 200px', display: 'grid' }),
  panel: css({ flex: 1, minHeight: 0, padding: theme.spacing(1), background: theme.colors.background.primary, border: `1px solid ${theme.colors.border.weak}`, borderRadius: theme.shape.radius.default }),
  signin: css({ maxWidth: 420, margin: `${theme.spacing(8)} auto`, padding: theme.spacing(3), background: theme.colors.background.primary, border: `1px solid ${theme.colors.border.weak}`, borderRadius: theme.shape.radius.default }),
  error: css({ color: theme.colors.error.text, marginBottom: theme.spacing(1) }),
  muted: css({ color: theme.colors.text.secondary }),
})

function SignIn({ reason, onSubmit, onCancel }: { reason?: string; onSubmit: (token: string) => void; onCancel?: () => void }) {
  const styles = useStyles2(getStyles)
  const [token, setToken] = useState('')
  return (
    <form
      className={styles.signin}
      data-testid="wf-signin"
      onSubmit={(e) => {
        e.preventDefault()
        if (token.trim() !== '') onSubmit(token.trim())
      }}
    >
      <h2>Sign in to Watchfloor</h2>
      <p className={styles.muted}>Paste an API token (role viewer to read, analyst to act). It is kept in this tab&apos;s session storage only.</p>
      {reason ? (
        <div className={styles.error} data-testid="wf-signin-error">
          {reason}
        </div>
      ) : null}
      <Field label="API token">
        <Input type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.currentTarget.value)} data-testid="wf-signin-token" />
      </Field>
      <Button type="submit" disabled={token.trim() === ''} data-testid="wf-signin-submit">
        Sign in
      </Button>{' '}
      {onCancel ? (
        <Button type="button" variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
      ) : null}
    </form>
  )
}

export function App({ tokens }: { tokens: TokenStore }) {
  const styles = useStyles2(getStyles)
  const [token, setTokenState] = useState<string | undefined>(() => tokens.get())
  const client = useMemo(() => new WatchfloorClient(new FetchBackend(() => tokens.get())), [tokens])
  const [filters, setFilters] = useState<Filters>(NO_FILTERS)
  const [rangeMs, setRangeMs] = useState<number>(RANGES[2].ms)
  const [refresh, setRefresh] = useState(0)
  const [overview, setOverview] = useState<Overview | undefined>(undefined)
  const [readError, setReadError] = useState<ApiError | undefined>(undefined)
  const [signingIn, setSigningIn] = useState(false)

  const [charts, setCharts] = useState<{ data: OverviewView; from: number; to: number } | undefined>(undefined)

  const loadStats = useCallback(async () => {
    try {
      const to = Date.now()
      const from = to - rangeMs
      const [stats, data] = await Promise.all([new FetchBackend(() => tokens.get()).get('/api/stats'), client.overview(from, to)])
      setOverview(overviewOf(stats))
      setCharts({ data, from, to })
      setReadError(undefined)
    } catch (e) {
      setReadError(asApiError(e))
    }
  }, [tokens, client, rangeMs])

  useEffect(() => {
    void loadStats()
  }, [loadStats, token, refresh])
  // the numbers follow the analysts' actions and the ingest without a reload
  useEffect(() => {
    const t = setInterval(() => void loadStats(), 15_000)
    return () => clearInterval(t)
  }, [loadStats])

  const signIn = (t: string) => {
    tokens.set(t)
    setTokenState(t)
    setSigningIn(false)
    setRefresh((n) => n + 1)
  }
  const signOut = () => {
    tokens.clear()
    setTokenState(undefined)
    setRefresh((n) => n + 1)
  }

  // 401 on a read: this API wants a token for everything (API_AUTH=all), or the one kept is revoked
  const mustSignIn = readError !== undefined && (readError.status === 401 || readError.status === 403)
  const now = Date.now()
  return (
    <div className={styles.page}>
      <header className={styles.bar} data-testid="wf-topbar">
        <span className={styles.brand}>Watchfloor · Incident queue</span>
        {overview ? (
          <div className={styles.stats} data-testid="wf-overview">
            {(
              [
                ['Open incidents', overview.open, 'open'],
                ['Critical', overview.critical, 'critical'],
                ['Incidents', overview.incidents, 'incidents'],
                ['Events', overview.events, 'events'],
                ['Dead letters', overview.deadLetters, 'dead-letters'],
              ] as const
            ).map(([label, value, id]) => (
              <div key={id} className={styles.stat} data-testid={`wf-stat-${id}`}>
                <div className={styles.statValue}>{value.toLocaleString('en-US')}</div>
                <div className={styles.statLabel}>{label}</div>
              </div>
            ))}
          </div>
        ) : null}
        <select className={styles.select} aria-label="Time range" data-testid="wf-range" value={rangeMs} onChange={(e) => setRangeMs(Number(e.currentTarget.value))}>
          {RANGES.map((r) => (
            <option key={r.ms} value={r.ms}>
              {r.label}
            </option>
          ))}
        </select>
        <Button variant="secondary" onClick={() => setRefresh((n) => n + 1)} aria-label="Refresh">
          Refresh
        </Button>
        {token ? (
          <Button variant="secondary" onClick={signOut} data-testid="wf-signout">
            Sign out
          </Button>
        ) : (
          <Button variant="primary" onClick={() => setSigningIn(true)} data-testid="wf-signin-open">
            Sign in
          </Button>
        )}
      </header>
      <main className={styles.body}>
        {mustSignIn || signingIn ? (
          <SignIn
            reason={mustSignIn ? (token ? `The API refused this token: ${readError.message}` : 'This Watchfloor needs an API token to read.') : undefined}
            onSubmit={signIn}
            onCancel={mustSignIn ? undefined : () => setSigningIn(false)}
          />
        ) : (
          <>
          {charts ? (
            <div className={styles.charts}>
              <OverviewCharts data={charts.data} from={charts.from} to={charts.to} />
            </div>
          ) : null}
          <div className={styles.panel}>
            <TriageView
              client={client}
              filters={filters}
              onFiltersChange={setFilters}
              timeRange={{ from: now - rangeMs, to: now + 60_000 }}
              pageSize={25}
              refreshKey={`${rangeMs}-${refresh}-${token ?? ''}`}
            />
          </div>
          </>
        )}
      </main>
    </div>
  )
}
