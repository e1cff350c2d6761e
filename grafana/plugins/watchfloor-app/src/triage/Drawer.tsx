/**
 * One incident in full, beside the queue: the verdict and the LLM's second opinion, analysis and
 * recommendations, IOCs, the evidence (each alert's matched fields, then the events with their
 * original records), the entity profiles, similar incidents and how they were closed, related
 * incidents, the status history and the comments. Every section loads on its own and says so
 * when the API refuses it. Everything from the logs is rendered as text.
 */
import React, { useEffect, useRef } from 'react'
import { Button, useStyles2, useTheme2 } from '@grafana/ui'
import type { IncidentDetail } from '../api/decode'
import type { WatchfloorClient } from '../api/watchfloor'
import { age, reasonLabel, statusLabel } from './format'
import { RefusalBox } from './Refusal'
import { getStyles, severityColor } from './styles'
import { clip, safeText } from './text'
import { useAsync } from './useAsync'

export interface DrawerProps {
  client: WatchfloorClient
  id: string
  /** Changes after every action, so the drawer reads the incident again. */
  version: number
  now: number
  onClose: () => void
  onOpenIncident: (id: string) => void
  actions: (inc: IncidentDetail) => React.ReactNode
}

const MAX_PROFILES = 6

export function Drawer({ client, id, version, now, onClose, onOpenIncident, actions }: DrawerProps) {
  const styles = useStyles2(getStyles)
  const theme = useTheme2()
  const closeRef = useRef<HTMLButtonElement>(null)
  const detail = useAsync(() => client.incident(id), [client, id, version])
  const alerts = useAsync(() => client.alerts(id), [client, id, version])
  const events = useAsync(() => client.events(id), [client, id, version])
  const similar = useAsync(() => client.similar(id), [client, id])
  const entities = detail.value?.entities.slice(0, MAX_PROFILES).join('\n') ?? ''
  const profiles = useAsync(
    () => Promise.all((entities ? entities.split('\n') : []).map((e) => client.profile(e).then((p) => ({ key: e, p }), (err: unknown) => ({ key: e, err })))),
    [client, entities],
  )

  useEffect(() => {
    closeRef.current?.focus()
  }, [id])

  const inc = detail.value
  return (
    <aside role="dialog" aria-label={`Incident ${safeText(id)}`} className={styles.drawer} data-testid="wf-drawer">
      <div className={styles.drawerHeader}>
        <div>
          {inc && (
            <span className={styles.severity} style={{ color: severityColor(theme, inc.severity) }}>
              {safeText(inc.severity)}{' '}
            </span>
          )}
          <strong data-testid="wf-drawer-title">{safeText(inc?.title ?? id)}</strong>
          <div className={styles.muted}>
            {safeText(id)}
            {inc && ` · ${statusLabel(inc.status)}${inc.closeReason ? ` (${reasonLabel(inc.closeReason)})` : ''} · risk ${inc.risk} · confidence ${inc.confidence} · ${inc.alertCount} alerts · ${age(inc.firstSeen, now)} old`}
            {inc?.assignee && ` · assigned to ${safeText(inc.assignee)}`}
          </div>
        </div>
        <Button ref={closeRef} size="sm" variant="secondary" fill="text" onClick={onClose} data-testid="wf-drawer-close" aria-label="Close (Escape)">
          Close
        </Button>
      </div>

      {detail.error && <RefusalBox error={detail.error} what="Incident" />}
      {detail.loading && !inc && <div className={styles.muted}>Loading…</div>}
      {inc && (
        <>
          <div className={styles.section}>{actions(inc)}</div>

          <section className={styles.section} data-testid="wf-section-verdict">
            <h4>Verdict</h4>
            <dl className={styles.kv}>
              <dt>Threat</dt>
              <dd>{safeText(inc.threatType)}</dd>
              <dt>Severity</dt>
              <dd>
                {safeText(inc.verdictSeverity || inc.severity)} ({inc.confidence}% confidence, {safeText(inc.triager)})
                {inc.autoEscalate ? ' · auto-escalate' : ''}
              </dd>
              <dt>ATT&amp;CK</dt>
              <dd>
                {inc.techniques.map((t) => (
                  <span key={t} className={styles.chip}>
                    {safeText(t)}
                  </span>
                ))}
                {inc.tactics.map((t) => (
                  <span key={t} className={styles.chip}>
                    {safeText(t)}
                  </span>
                ))}
              </dd>
            </dl>
            <p data-testid="wf-analysis">{safeText(inc.analysis)}</p>
            {inc.recommendations.length > 0 && (
              <ul className={styles.list} data-testid="wf-recommendations">
                {inc.recommendations.map((r, i) => (
                  <li key={i}>{safeText(r)}</li>
                ))}
              </ul>
            )}
            {inc.suggestion && (
              <div data-testid="wf-suggestion">
                <h4>LLM second opinion: {safeText(inc.suggestion.status)}</h4>
                {inc.suggestion.status === 'ready' && (
                  <div>
                    {reasonLabel(safeText(inc.suggestion.disposition))} · {safeText(inc.suggestion.severity)} · {inc.suggestion.confidence ?? '-'}% · {safeText(inc.suggestion.threatType)} ({safeText(inc.suggestion.model)})
                    {inc.suggestion.downgrade && <strong> · suggests a downgrade: the analyst decides</strong>}
                    {inc.suggestion.injectionSuspected && <strong> · the logs contain text that reads like instructions to the model</strong>}
                    <p>{safeText(inc.suggestion.analysis)}</p>
                  </div>
                )}
                {inc.suggestion.status === 'failed' && <div className={styles.muted}>{safeText(inc.suggestion.reason)}</div>}
              </div>
            )}
          </section>

          {Object.keys(inc.iocs).length > 0 && (
            <section className={styles.section} data-testid="wf-section-iocs">
              <h4>IOCs</h4>
              <dl className={styles.kv}>
                {Object.entries(inc.iocs).map(([kind, values]) => (
                  <React.Fragment key={kind}>
                    <dt>{safeText(kind)}</dt>
                    <dd>
                      {values.map((v) => (
                        <span key={v} className={styles.chip}>
                          {clip(v, 300)}
                        </span>
                      ))}
                    </dd>
                  </React.Fragment>
                ))}
              </dl>
            </section>
          )}

          <section className={styles.section} data-testid="wf-section-evidence">
            <h4>Evidence: matched fields</h4>
            {alerts.error && <RefusalBox error={alerts.error} what="Alerts" />}
            {alerts.value?.alerts.map((a) => (
              <div key={a.id} data-testid={`wf-alert-${safeText(a.id)}`}>
                <div>
                  <strong>{safeText(a.ruleTitle)}</strong> <span className={styles.muted}>({safeText(a.ruleLevel)}, {safeText(a.timestamp)})</span>
                </div>
                <dl className={styles.kv}>
                  {Object.entries(a.matched).map(([k, v]) => (
                    <React.Fragment key={k}>
                      <dt>{safeText(k)}</dt>
                      <dd>
                        <pre className={styles.pre}>{clip(v, 4000)}</pre>
                      </dd>
                    </React.Fragment>
                  ))}
                </dl>
              </div>
            ))}
            {alerts.value && alerts.value.alerts.length === 0 &&
              Object.entries(inc.evidence).map(([rule, fields]) => (
                <div key={rule}>
                  <strong>{safeText(inc.rules[rule]?.title ?? rule)}</strong>
                  <dl className={styles.kv}>
                    {Object.entries(fields).map(([k, vs]) => (
                      <React.Fragment key={k}>
                        <dt>{safeText(k)}</dt>
                        <dd>
                          {vs.map((v, i) => (
                            <pre key={i} className={styles.pre}>
                              {clip(v, 4000)}
                            </pre>
                          ))}
                        </dd>
                      </React.Fragment>
                    ))}
                  </dl>
                </div>
              ))}
            {alerts.value && alerts.value.total > alerts.value.alerts.length && <div className={styles.muted}>{alerts.value.alerts.length} of {alerts.value.total} alerts shown</div>}
          </section>

          <section className={styles.section} data-testid="wf-section-events">
            <h4>Events</h4>
            {events.error && <RefusalBox error={events.error} what="Events" />}
            {events.value?.events.map((e) => (
              <div key={e.eventId} data-testid={`wf-event-${safeText(e.eventId)}`}>
                <div className={styles.muted}>
                  {safeText(e.timestamp)} · {safeText(e.eventId)}
                </div>
                <dl className={styles.kv}>
                  {Object.entries(e.fields)
                    .slice(0, 20)
                    .map(([k, v]) => (
                      <React.Fragment key={k}>
                        <dt>{safeText(k)}</dt>
                        <dd>{clip(v, 1000)}</dd>
                      </React.Fragment>
                    ))}
                </dl>
                <pre className={styles.pre}>{clip(e.original, 8000)}</pre>
              </div>
            ))}
            {events.value && events.value.total > events.value.events.length && <div className={styles.muted}>{events.value.events.length} of {events.value.total} events shown</div>}
          </section>

          <section className={styles.section} data-testid="wf-section-profiles">
            <h4>Entity profiles</h4>
            {profiles.value?.map((r) =>
              'p' in r && r.p ? (
                <div key={r.key}>
                  <strong>{safeText(r.key)}</strong>{' '}
                  <span className={styles.muted}>
                    risk {r.p.risk} · {r.p.events} events · {r.p.internal === undefined ? '' : r.p.internal ? 'internal · ' : 'external · '}seen {safeText(r.p.firstSeen)} – {safeText(r.p.lastSeen)}
                    {r.p.techniques.length > 0 && ` · ${r.p.techniques.map((t) => safeText(t)).join(', ')}`}
                  </span>
                </div>
              ) : (
                <div key={r.key} className={styles.muted}>
                  {safeText(r.key)}: no profile
                </div>
              ),
            )}
          </section>

          <section className={styles.section} data-testid="wf-section-similar">
            <h4>Similar incidents</h4>
            {similar.error && <RefusalBox error={similar.error} what="Similar incidents" />}
            {similar.value?.length === 0 && <div className={styles.muted}>none</div>}
            {similar.value?.map((s) => (
              <div key={s.id}>
                <Button size="sm" fill="text" onClick={() => onOpenIncident(s.id)}>
                  {safeText(s.id)}
                </Button>{' '}
                {safeText(s.severity)} · {safeText(s.title)} · {statusLabel(s.status)} · score {s.score.toFixed(2)}
                {s.disposition ? ` · closed as ${reasonLabel(safeText(s.disposition))}${s.closedBy ? ` by ${safeText(s.closedBy)}` : ''}` : ''}
                <div className={styles.muted}>{[...s.reasons.entities, ...s.reasons.rules, ...s.reasons.techniques, ...s.reasons.text.slice(0, 5)].map((x) => safeText(x)).join(' · ')}</div>
              </div>
            ))}
          </section>

          {inc.related.length > 0 && (
            <section className={styles.section} data-testid="wf-section-related">
              <h4>Related incidents (shared entities)</h4>
              {inc.related.map((r) => (
                <div key={r.id}>
                  <Button size="sm" fill="text" onClick={() => onOpenIncident(r.id)}>
                    {safeText(r.id)}
                  </Button>{' '}
                  {safeText(r.severity)} · {safeText(r.title)} · {statusLabel(r.status)} · {r.shared.map((x) => safeText(x)).join(', ')}
                </div>
              ))}
            </section>
          )}

          <section className={styles.section} data-testid="wf-section-history">
            <h4>Status history</h4>
            {inc.statusHistory.length === 0 && <div className={styles.muted}>no changes yet</div>}
            <ol className={styles.list}>
              {inc.statusHistory.map((h, i) => (
                <li key={i}>
                  {safeText(h.at)} · {safeText(h.by)}: {statusLabel(h.from)} → {statusLabel(h.to)}
                  {h.closeReason ? ` (${reasonLabel(h.closeReason)})` : ''}
                  {h.reason ? `: ${safeText(h.reason)}` : ''}
                </li>
              ))}
            </ol>
          </section>

          <section className={styles.section} data-testid="wf-section-comments">
            <h4>Comments</h4>
            {inc.comments.length === 0 && <div className={styles.muted}>none</div>}
            {inc.comments.map((c, i) => (
              <div key={i}>
                <span className={styles.muted}>
                  {safeText(c.at)} · {safeText(c.by)}
                </span>
                <div style={{ whiteSpace: 'pre-wrap' }}>{safeText(c.text)}</div>
              </div>
            ))}
          </section>
        </>
      )}
    </aside>
  )
}
