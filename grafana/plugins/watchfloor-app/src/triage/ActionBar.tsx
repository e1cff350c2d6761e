/**
 * The analyst's actions on one incident (in the drawer) or on the selected ones (above the
 * queue): acknowledge, escalate and ask for a suggestion at once; close, reopen, assign, comment,
 * triage and merge through a small form for what they need (a close reason, a reason to reopen,
 * a name, a text, a verdict, a target).
 */
import React, { useState } from 'react'
import { Button, Input, TextArea, useStyles2 } from '@grafana/ui'
import type { CloseReason, IncidentSeverity } from '@watchfloor/contracts'
import type { IncidentDetail } from '../api/decode'
import { CLOSE_REASONS, SEVERITIES, VERDICTS, type Action } from '../api/watchfloor'
import { reasonLabel } from './format'
import { getStyles } from './styles'
import { safeText } from './text'

export type FormKind = 'close' | 'reopen' | 'assign' | 'comment' | 'triage' | 'merge'

export interface ActionBarProps {
  scope: 'single' | 'bulk'
  ids: readonly string[]
  /** The incident, in the drawer: what the triage form suggests, whether reopen applies. */
  incident?: IncidentDetail
  busy: boolean
  form: FormKind | null
  onForm: (f: FormKind | null) => void
  onRun: (a: Action) => void
}

const isCloseReason = (v: string): v is CloseReason => (CLOSE_REASONS as readonly string[]).includes(v)
const isSeverity = (v: string): v is IncidentSeverity => (SEVERITIES as readonly string[]).includes(v)

/** What accepting the suggestion submits: the LLM's second opinion when ready, else the heuristic verdict (a threat to review, at its severity). */
export function acceptedTriage(inc: IncidentDetail): { verdict: CloseReason; severity: IncidentSeverity } {
  const s = inc.suggestion
  const heuristicSeverity = isSeverity(inc.verdictSeverity) ? inc.verdictSeverity : isSeverity(inc.severity) ? inc.severity : 'MEDIUM'
  if (s?.status === 'ready' && s.disposition !== undefined && isCloseReason(s.disposition)) {
    return { verdict: s.disposition, severity: s.severity !== undefined && isSeverity(s.severity) ? s.severity : heuristicSeverity }
  }
  return { verdict: 'true_positive', severity: heuristicSeverity }
}

export function ActionBar({ scope, ids, incident, busy, form, onForm, onRun }: ActionBarProps) {
  const styles = useStyles2(getStyles)
  const [closeReason, setCloseReason] = useState<CloseReason>('true_positive')
  const [reason, setReason] = useState('')
  const [assignee, setAssignee] = useState('')
  const [comment, setComment] = useState('')
  const [verdict, setVerdict] = useState<CloseReason>('true_positive')
  const [severity, setSeverity] = useState<IncidentSeverity>(incident && isSeverity(incident.severity) ? incident.severity : 'MEDIUM')
  const [into, setInto] = useState(scope === 'bulk' ? (ids[0] ?? '') : '')
  const none = ids.length === 0
  const closed = scope === 'single' && incident?.status === 'closed'
  const p = scope === 'bulk' ? 'wf-bulk' : 'wf'

  const open = (f: FormKind) => {
    setReason('')
    onForm(form === f ? null : f)
  }
  const run = (a: Action) => {
    onRun(a)
  }
  const opt = (r: string) => (r.trim() ? { reason: r.trim() } : {})
  const accepted = incident ? acceptedTriage(incident) : undefined

  return (
    <div data-testid={`${p}-actions`}>
      <div className={styles.actions}>
        {!closed && (
          <>
            <Button size="sm" variant="secondary" disabled={busy || none} data-testid={`${p}-action-acknowledge`} onClick={() => run({ kind: 'acknowledge' })} title="Acknowledge: In progress (a)">
              Acknowledge
            </Button>
            <Button size="sm" variant="secondary" disabled={busy || none} data-testid={`${p}-action-triage`} onClick={() => open('triage')}>
              Triage…
            </Button>
            <Button size="sm" variant="destructive" disabled={busy || none} data-testid={`${p}-action-escalate`} onClick={() => run({ kind: 'escalate' })} title="Escalate (e)">
              Escalate
            </Button>
            <Button size="sm" variant="secondary" disabled={busy || none} data-testid={`${p}-action-close`} onClick={() => open('close')} title="Close with a reason (c)">
              Close…
            </Button>
          </>
        )}
        {(closed || scope === 'bulk') && (
          <Button size="sm" variant="secondary" disabled={busy || none} data-testid={`${p}-action-reopen`} onClick={() => open('reopen')}>
            Reopen…
          </Button>
        )}
        <Button size="sm" variant="secondary" disabled={busy || none} data-testid={`${p}-action-assign`} onClick={() => open('assign')}>
          Assign…
        </Button>
        <Button size="sm" variant="secondary" disabled={busy || none} data-testid={`${p}-action-comment`} onClick={() => open('comment')}>
          Comment…
        </Button>
        <Button size="sm" variant="secondary" disabled={busy || (scope === 'bulk' ? ids.length < 2 : none)} data-testid={`${p}-action-merge`} onClick={() => open('merge')}>
          Merge…
        </Button>
        <Button size="sm" variant="secondary" disabled={busy || none} data-testid={`${p}-action-suggest`} onClick={() => run({ kind: 'suggest' })}>
          Ask the LLM
        </Button>
      </div>

      {form === 'close' && (
        <form
          className={styles.form}
          data-testid={`${p}-form-close`}
          onSubmit={(e) => {
            e.preventDefault()
            run({ kind: 'close', closeReason, ...opt(reason) })
          }}
        >
          <label>
            Close as{' '}
            <select className={styles.select} data-testid={`${p}-input-close-reason`} value={closeReason} onChange={(e) => isCloseReason(e.target.value) && setCloseReason(e.target.value)}>
              {CLOSE_REASONS.map((r) => (
                <option key={r} value={r}>
                  {reasonLabel(r)}
                </option>
              ))}
            </select>
          </label>
          <Input width={30} placeholder="Note (optional)" data-testid={`${p}-input-reason`} value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
          <Button size="sm" type="submit" disabled={busy} data-testid={`${p}-submit`}>
            Close {ids.length > 1 ? `${ids.length} incidents` : ''}
          </Button>
        </form>
      )}

      {form === 'reopen' && (
        <form
          className={styles.form}
          data-testid={`${p}-form-reopen`}
          onSubmit={(e) => {
            e.preventDefault()
            if (reason.trim()) run({ kind: 'reopen', reason: reason.trim() })
          }}
        >
          <Input width={40} placeholder="Why reopen (required)" data-testid={`${p}-input-reason`} value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
          <Button size="sm" type="submit" disabled={busy || !reason.trim()} data-testid={`${p}-submit`}>
            Reopen
          </Button>
        </form>
      )}

      {form === 'assign' && (
        <form
          className={styles.form}
          data-testid={`${p}-form-assign`}
          onSubmit={(e) => {
            e.preventDefault()
            run({ kind: 'assign', assignee: assignee.trim() })
          }}
        >
          <Input width={30} placeholder="Analyst (empty: unassign)" data-testid={`${p}-input-assignee`} value={assignee} onChange={(e) => setAssignee(e.currentTarget.value)} />
          <Button size="sm" type="submit" disabled={busy} data-testid={`${p}-submit`}>
            Assign
          </Button>
        </form>
      )}

      {form === 'comment' && (
        <form
          className={styles.form}
          data-testid={`${p}-form-comment`}
          onSubmit={(e) => {
            e.preventDefault()
            if (comment.trim()) run({ kind: 'comment', text: comment.trim() })
          }}
        >
          <TextArea rows={3} cols={50} placeholder="Comment" data-testid={`${p}-input-comment`} value={comment} onChange={(e) => setComment(e.currentTarget.value)} />
          <Button size="sm" type="submit" disabled={busy || !comment.trim()} data-testid={`${p}-submit`}>
            Comment
          </Button>
        </form>
      )}

      {form === 'triage' && (
        <div className={styles.form} data-testid={`${p}-form-triage`}>
          {accepted && (
            <Button size="sm" disabled={busy} data-testid={`${p}-triage-accept`} onClick={() => run({ kind: 'triage', ...accepted, accepted: true })}>
              Accept: {reasonLabel(accepted.verdict)} ({accepted.severity})
            </Button>
          )}
          <form
            className={styles.actions}
            onSubmit={(e) => {
              e.preventDefault()
              run({ kind: 'triage', verdict, severity, accepted: accepted !== undefined && accepted.verdict === verdict && accepted.severity === severity })
            }}
          >
            <select className={styles.select} aria-label="Verdict" data-testid={`${p}-input-verdict`} value={verdict} onChange={(e) => isCloseReason(e.target.value) && setVerdict(e.target.value)}>
              {VERDICTS.map((v) => (
                <option key={v} value={v}>
                  {reasonLabel(v)}
                </option>
              ))}
            </select>
            <select className={styles.select} aria-label="Severity" data-testid={`${p}-input-severity`} value={severity} onChange={(e) => isSeverity(e.target.value) && setSeverity(e.target.value)}>
              {SEVERITIES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
            <Button size="sm" variant="secondary" type="submit" disabled={busy} data-testid={`${p}-submit`}>
              {accepted ? 'Override' : 'Submit triage'}
            </Button>
          </form>
        </div>
      )}

      {form === 'merge' && (
        <form
          className={styles.form}
          data-testid={`${p}-form-merge`}
          onSubmit={(e) => {
            e.preventDefault()
            if (into.trim()) run({ kind: 'merge', into: into.trim(), ...opt(reason) })
          }}
        >
          {scope === 'bulk' ? (
            <label>
              Merge into{' '}
              <select className={styles.select} data-testid={`${p}-input-merge-into`} value={into} onChange={(e) => setInto(e.target.value)}>
                {ids.map((id) => (
                  <option key={id} value={id}>
                    {safeText(id)}
                  </option>
                ))}
              </select>
            </label>
          ) : (
            <Input width={30} placeholder="Merge into incident id" data-testid={`${p}-input-merge-into`} value={into} onChange={(e) => setInto(e.currentTarget.value)} />
          )}
          <Input width={30} placeholder="Reason (optional)" data-testid={`${p}-input-reason`} value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
          <Button size="sm" type="submit" disabled={busy || !into.trim()} data-testid={`${p}-submit`}>
            Merge
          </Button>
        </form>
      )}
    </div>
  )
}
