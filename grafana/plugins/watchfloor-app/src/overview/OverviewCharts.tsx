/**
 * The SOC overview as charts, the same four the overview dashboard shows in Grafana: incidents
 * by severity over time (stacked bars), the open queue by status, the top source addresses and
 * users, and ATT&CK techniques under their tactics (a heatmap). Drawn as SVG and HTML from the
 * Grafana theme, so they need no Grafana runtime. Values from the logs (addresses, user names)
 * are text, rendered through `safeText`; each chart has a text summary for screen readers.
 */
import React from 'react'
import { css } from '@emotion/css'
import { colorManipulator, type GrafanaTheme2 } from '@grafana/data'
import { useStyles2, useTheme2 } from '@grafana/ui'
import type { OverviewView } from '../api/decode'
import { SEVERITIES, STATUSES } from '../api/watchfloor'
import { clip, safeText } from '../triage/text'
import { severityColor } from '../triage/styles'

const getStyles = (theme: GrafanaTheme2) => ({
  grid: css({ display: 'grid', gridTemplateColumns: 'minmax(260px, 2fr) minmax(180px, 1fr) minmax(180px, 1fr) minmax(260px, 2fr)', gap: theme.spacing(1), minHeight: 0 }),
  panel: css({
    display: 'flex',
    flexDirection: 'column',
    minWidth: 0,
    padding: theme.spacing(1),
    background: theme.colors.background.primary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    overflow: 'hidden',
  }),
  title: css({ fontSize: theme.typography.bodySmall.fontSize, fontWeight: theme.typography.fontWeightMedium, marginBottom: theme.spacing(0.5) }),
  empty: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize, margin: 'auto' }),
  legend: css({ display: 'flex', gap: theme.spacing(1), fontSize: theme.typography.bodySmall.fontSize, color: theme.colors.text.secondary }),
  swatch: css({ display: 'inline-block', width: 8, height: 8, marginRight: 4, borderRadius: 2 }),
  axis: css({ display: 'flex', justifyContent: 'space-between', fontSize: theme.typography.bodySmall.fontSize, color: theme.colors.text.secondary, whiteSpace: 'nowrap' }),
  rows: css({ display: 'flex', flexDirection: 'column', gap: 2, overflow: 'auto', fontSize: theme.typography.bodySmall.fontSize }),
  row: css({ display: 'grid', gridTemplateColumns: 'minmax(80px, 3fr) 2fr auto', alignItems: 'center', gap: theme.spacing(0.5) }),
  label: css({ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap', fontFamily: theme.typography.fontFamilyMonospace }),
  track: css({ height: 10, background: theme.colors.background.secondary, borderRadius: 2 }),
  value: css({ textAlign: 'right', fontVariantNumeric: 'tabular-nums' }),
  matrix: css({ display: 'flex', gap: 2, overflow: 'auto', fontSize: theme.typography.bodySmall.fontSize, alignItems: 'flex-start' }),
  column: css({ display: 'flex', flexDirection: 'column', gap: 2, minWidth: 90, flex: '1 0 90px' }),
  tactic: css({ fontWeight: theme.typography.fontWeightMedium, color: theme.colors.text.secondary, whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' }),
  cell: css({ padding: theme.spacing(0.25, 0.5), borderRadius: 2, color: theme.colors.text.maxContrast, whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' }),
})

const fmt = (n: number) => n.toLocaleString('en-US')

function Panel({ title, testId, children }: { title: string; testId: string; children: React.ReactNode }) {
  const styles = useStyles2(getStyles)
  return (
    <section className={styles.panel} data-testid={testId} aria-label={title}>
      <div className={styles.title}>{title}</div>
      {children}
    </section>
  )
}

/** Stacked bars of incidents per bucket, CRITICAL at the bottom. */
function IncidentsOverTime({ data, from, to }: { data: OverviewView; from: number; to: number }) {
  const styles = useStyles2(getStyles)
  const theme = useTheme2()
  const step = data.bucketSeconds * 1000
  const start = Math.floor(from / step) * step
  const slots = Math.max(1, Math.min(120, Math.ceil((to - start) / step)))
  const totals = data.overTime.map((b) => SEVERITIES.reduce((n, s) => n + (b.counts[s] ?? 0), 0))
  const max = Math.max(1, ...totals)
  const total = totals.reduce((a, b) => a + b, 0)
  const W = 600
  const H = 120
  const bw = W / slots
  const when = (t: number) => new Date(t).toISOString().slice(0, 16).replace('T', ' ')
  // axis ends: the date alone when the range spans days
  const end = (t: number) => (to - from >= 2 * 86_400_000 ? new Date(t).toISOString().slice(0, 10) : when(t).slice(11))
  return (
    <Panel title="Incidents by severity" testId="wf-chart-incidents">
      {total === 0 ? (
        <div className={styles.empty}>No incidents in this range</div>
      ) : (
        <>
          <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" width="100%" height="100%" role="img" aria-label={`${fmt(total)} incidents: ${SEVERITIES.map((s) => `${s} ${fmt(data.overTime.reduce((n, b) => n + (b.counts[s] ?? 0), 0))}`).join(', ')}`}>
            {data.overTime.map((b) => {
              const slot = Math.floor((b.t - start) / step)
              if (slot < 0 || slot >= slots) return null
              let y = H
              return (
                <g key={b.t} data-testid="wf-chart-bar">
                  <title>{`${when(b.t)} UTC: ${SEVERITIES.filter((s) => b.counts[s]).map((s) => `${s} ${b.counts[s]}`).join(', ')}`}</title>
                  {SEVERITIES.map((s) => {
                    const n = b.counts[s] ?? 0
                    if (n === 0) return null
                    const h = (n / max) * (H - 4)
                    y -= h
                    return <rect key={s} x={slot * bw + bw * 0.1} y={y} width={Math.max(1, bw * 0.8)} height={h} fill={severityColor(theme, s)} />
                  })}
                </g>
              )
            })}
          </svg>
          <div className={styles.axis}>
            <span>{end(from)}</span>
            <span>{end(to)}</span>
          </div>
          <div className={styles.legend}>
            {SEVERITIES.map((s) => (
              <span key={s}>
                <span className={styles.swatch} style={{ background: severityColor(theme, s) }} />
                {s.toLowerCase()}
              </span>
            ))}
          </div>
        </>
      )}
    </Panel>
  )
}

/** Horizontal bars: one row per item, the longest bar the largest value. */
function Bars({ title, testId, rows, empty, color }: { title: string; testId: string; rows: Array<{ label: string; value: number }>; empty: string; color: string }) {
  const styles = useStyles2(getStyles)
  const max = Math.max(1, ...rows.map((r) => r.value))
  return (
    <Panel title={title} testId={testId}>
      {rows.length === 0 ? (
        <div className={styles.empty}>{empty}</div>
      ) : (
        <div className={styles.rows}>
          {rows.map((r) => (
            <div key={r.label} className={styles.row} data-testid={`${testId}-row`}>
              <span className={styles.label} title={safeText(r.label)}>
                {clip(r.label, 40)}
              </span>
              <div className={styles.track}>
                <div style={{ width: `${(r.value / max) * 100}%`, height: '100%', background: color, borderRadius: 2 }} />
              </div>
              <span className={styles.value}>{fmt(r.value)}</span>
            </div>
          ))}
        </div>
      )}
    </Panel>
  )
}

/** ATT&CK Enterprise tactics in kill-chain order. */
const TACTICS = ['reconnaissance', 'resource-development', 'initial-access', 'execution', 'persistence', 'privilege-escalation', 'defense-evasion', 'credential-access', 'discovery', 'lateral-movement', 'collection', 'command-and-control', 'exfiltration', 'impact']
const tacticRank = (t: string) => (TACTICS.includes(t) ? TACTICS.indexOf(t) : TACTICS.length)

/** Techniques under their tactics, in kill-chain order, shaded by alert count. */
function AttackMatrix({ data }: { data: OverviewView }) {
  const styles = useStyles2(getStyles)
  const theme = useTheme2()
  const grouped = new Map<string, OverviewView['attack']>()
  for (const a of data.attack) for (const t of a.tactics.length > 0 ? a.tactics : ['other']) grouped.set(t, [...(grouped.get(t) ?? []), a])
  const byTactic = new Map([...grouped].sort(([a], [b]) => tacticRank(a) - tacticRank(b)))
  const max = Math.max(1, ...data.attack.map((a) => a.alerts))
  const base = theme.visualization.getColorByName('red')
  return (
    <Panel title="ATT&CK techniques by tactic" testId="wf-chart-attack">
      {byTactic.size === 0 ? (
        <div className={styles.empty}>No ATT&amp;CK techniques in this range</div>
      ) : (
        <div className={styles.matrix}>
          {[...byTactic].map(([tactic, items]) => (
            <div key={tactic} className={styles.column} data-testid="wf-chart-attack-tactic">
              <span className={styles.tactic} title={tactic}>
                {tactic.replace(/-/g, ' ')}
              </span>
              {items.map((a) => (
                <span
                  key={a.technique}
                  className={styles.cell}
                  title={`${safeText(a.technique)} ${safeText(a.name)}: ${fmt(a.alerts)} alerts`}
                  style={{ background: colorManipulator.alpha(base, 0.2 + (0.8 * a.alerts) / max) }}
                >
                  {clip(`${a.technique} ${a.name}`, 32)} · {fmt(a.alerts)}
                </span>
              ))}
            </div>
          ))}
        </div>
      )}
    </Panel>
  )
}

export function OverviewCharts({ data, from, to }: { data: OverviewView; from: number; to: number }) {
  const styles = useStyles2(getStyles)
  const theme = useTheme2()
  const open = STATUSES.filter((s) => s !== 'closed').map((s) => ({ label: s.replace('_', ' '), value: data.openByStatus[s] ?? 0 }))
  return (
    <div className={styles.grid} data-testid="wf-overview-charts">
      <IncidentsOverTime data={data} from={from} to={to} />
      <Bars title="Open queue by status" testId="wf-chart-open" rows={open} empty="Nothing open" color={theme.colors.primary.main} />
      <Bars
        title="Top sources and users (alerts)"
        testId="wf-chart-top"
        rows={[...data.topSources.slice(0, 5).map((s) => ({ label: s.value, value: s.alerts })), ...data.topUsers.slice(0, 5).map((u) => ({ label: `user ${u.value}`, value: u.alerts }))]}
        empty="No alerts in this range"
        color={theme.visualization.getColorByName('orange')}
      />
      <AttackMatrix data={data} />
    </div>
  )
}
