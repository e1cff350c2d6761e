/**
 * The incident queue: one row per incident (severity, status, title, entities, techniques, risk,
 * age, assignee, suggestion), sortable columns, a checkbox per row for bulk actions. Rows are
 * focusable: Enter opens one, j/k (or the arrows) move between them.
 */
import React from 'react'
import { useStyles2, useTheme2 } from '@grafana/ui'
import type { IncidentRow } from '../api/decode'
import { age, statusLabel, suggestionLabel, type Sort, type SortKey } from './format'
import { getStyles, severityColor } from './styles'
import { clip, safeText } from './text'

export interface QueueProps {
  rows: readonly IncidentRow[]
  now: number
  sort: Sort | undefined
  onSort: (key: SortKey) => void
  selected: ReadonlySet<string>
  onToggle: (id: string) => void
  onToggleAll: () => void
  openId: string | undefined
  onOpen: (id: string) => void
  onRowKey: (e: React.KeyboardEvent<HTMLTableRowElement>, index: number) => void
  rowRef: (index: number, el: HTMLTableRowElement | null) => void
}

const COLUMNS: { key?: SortKey; label: string }[] = [
  { key: 'severity', label: 'Severity' },
  { key: 'status', label: 'Status' },
  { key: 'title', label: 'Title' },
  { label: 'Entities' },
  { label: 'Techniques' },
  { key: 'risk', label: 'Risk' },
  { key: 'age', label: 'Age' },
  { key: 'assignee', label: 'Assignee' },
  { label: 'Suggestion' },
]

export function Queue({ rows, now, sort, onSort, selected, onToggle, onToggleAll, openId, onOpen, onRowKey, rowRef }: QueueProps) {
  const styles = useStyles2(getStyles)
  const theme = useTheme2()
  const all = rows.length > 0 && rows.every((r) => selected.has(r.id))
  return (
    <table className={styles.table} data-testid="wf-queue">
      <thead>
        <tr>
          <th>
            <input type="checkbox" aria-label="Select all" data-testid="wf-select-all" checked={all} onChange={onToggleAll} />
          </th>
          {COLUMNS.map((c) => (
            <th key={c.label} aria-sort={c.key && sort?.key === c.key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined}>
              {c.key ? (
                <button type="button" className={styles.sortButton} data-testid={`wf-sort-${c.key}`} onClick={() => c.key && onSort(c.key)}>
                  {c.label}
                  {sort?.key === c.key ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}
                </button>
              ) : (
                c.label
              )}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr
            key={r.id}
            ref={(el) => rowRef(i, el)}
            tabIndex={0}
            className={`${styles.row} ${openId === r.id ? styles.rowActive : ''}`}
            data-testid={`wf-row-${safeText(r.id)}`}
            aria-selected={selected.has(r.id)}
            onClick={() => onOpen(r.id)}
            onKeyDown={(e) => onRowKey(e, i)}
          >
            <td onClick={(e) => e.stopPropagation()}>
              <input type="checkbox" aria-label={`Select ${safeText(r.id)}`} data-testid={`wf-select-${safeText(r.id)}`} checked={selected.has(r.id)} onChange={() => onToggle(r.id)} />
            </td>
            <td className={styles.severity} style={{ color: severityColor(theme, r.severity) }}>
              {safeText(r.severity)}
            </td>
            <td>{statusLabel(r.status)}</td>
            <td>{clip(r.title, 200)}</td>
            <td>
              {r.entities.slice(0, 4).map((e) => (
                <span key={e} className={styles.chip}>
                  {clip(e, 80)}
                </span>
              ))}
              {r.entities.length > 4 && <span className={styles.muted}>+{r.entities.length - 4}</span>}
            </td>
            <td>
              {r.techniques.slice(0, 4).map((t) => (
                <span key={t} className={styles.chip}>
                  {clip(t, 20)}
                </span>
              ))}
            </td>
            <td>{r.risk}</td>
            <td title={safeText(r.firstSeen)}>{age(r.firstSeen, now)}</td>
            <td>{r.assignee ? clip(r.assignee, 40) : <span className={styles.muted}>-</span>}</td>
            <td>{safeText(suggestionLabel(r))}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
