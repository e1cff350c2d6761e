/**
 * The triage view: filters, the queue with paging and sorting, bulk actions on the selected
 * incidents, and the drawer with one incident in full and its actions. It knows the API only
 * through a `WatchfloorClient` over a `Backend`, and Grafana only through @grafana/ui and
 * @grafana/data: the Grafana panel and the standalone UI both render it.
 *
 * Keyboard: j/k or the arrows move between rows, Enter opens one, x selects it, a acknowledges,
 * e escalates, c opens the close form; Escape closes the drawer.
 */
import React, { useCallback, useMemo, useRef, useState } from 'react'
import { Button, Input, useStyles2 } from '@grafana/ui'
import { asApiError, type ApiError } from '../api/backend'
import type { BulkResultView, IncidentPage } from '../api/decode'
import { SEVERITIES, STATUSES, type Action, type WatchfloorClient } from '../api/watchfloor'
import { ActionBar, type FormKind } from './ActionBar'
import { Drawer } from './Drawer'
import { inRange, sortRows, statusLabel, type Sort, type SortKey } from './format'
import { Queue } from './Queue'
import { RefusalBox } from './Refusal'
import { getStyles } from './styles'
import { safeText } from './text'
import { useAsync } from './useAsync'

export interface Filters {
  severity: string
  status: string
  sourceIp: string
  search: string
}

export const NO_FILTERS: Filters = { severity: '', status: '', sourceIp: '', search: '' }

export interface TriageViewProps {
  client: WatchfloorClient
  filters: Filters
  onFiltersChange: (f: Filters) => void
  /** The dashboard's time range (epoch ms): incidents active within it are shown. */
  timeRange: { from: number; to: number }
  pageSize: number
  /** A change reloads the queue (Grafana's refresh). */
  refreshKey?: unknown
  now?: () => number
}

interface Outcome {
  scope: 'single' | 'bulk'
  notice?: string
  refusal?: ApiError
  failures?: BulkResultView[]
}

const ACTION_DONE: Record<Action['kind'], string> = {
  acknowledge: 'Acknowledged',
  escalate: 'Escalated',
  close: 'Closed',
  reopen: 'Reopened',
  assign: 'Assigned',
  comment: 'Commented on',
  triage: 'Triage recorded for',
  suggest: 'Second opinion requested for',
  merge: 'Merged',
}

const isTyping = (t: EventTarget | null) => t instanceof HTMLElement && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable)

export function TriageView({ client, filters, onFiltersChange, timeRange, pageSize, refreshKey, now = Date.now }: TriageViewProps) {
  const styles = useStyles2(getStyles)
  const [offset, setOffset] = useState(0)
  const [sort, setSort] = useState<Sort | undefined>(undefined)
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set())
  const [openId, setOpenId] = useState<string | undefined>(undefined)
  const [version, setVersion] = useState(0)
  const [busy, setBusy] = useState(false)
  const [outcome, setOutcome] = useState<Outcome | undefined>(undefined)
  const [form, setForm] = useState<FormKind | null>(null)
  const [bulkForm, setBulkForm] = useState<FormKind | null>(null)
  const [ipDraft, setIpDraft] = useState(filters.sourceIp)
  const rows = useRef<(HTMLTableRowElement | null)[]>([])
  const lastFocus = useRef<number>(0)

  const page = useAsync<IncidentPage>(
    () => client.incidents({ limit: pageSize, offset, from: timeRange.from, to: timeRange.to, ...(filters.severity ? { severity: filters.severity } : {}), ...(filters.status ? { status: filters.status } : {}), ...(filters.sourceIp ? { sourceIp: filters.sourceIp } : {}) }),
    [client, filters.severity, filters.status, filters.sourceIp, offset, pageSize, version, refreshKey, timeRange.from, timeRange.to],
  )
  const nowMs = now()
  const loaded = page.value?.incidents ?? []
  const search = filters.search.trim().toLowerCase()
  const inTime = loaded.filter((r) => inRange(r, timeRange.from, timeRange.to))
  const visible = useMemo(
    () => sortRows(search ? inTime.filter((r) => `${r.id} ${r.title} ${r.entities.join(' ')} ${r.assignee ?? ''} ${r.techniques.join(' ')}`.toLowerCase().includes(search)) : inTime, sort),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [page.value, search, sort, timeRange.from, timeRange.to],
  )
  const selectedIds = visible.filter((r) => selected.has(r.id)).map((r) => r.id)

  const setFilter = (patch: Partial<Filters>) => {
    setOffset(0)
    setSelected(new Set())
    onFiltersChange({ ...filters, ...patch })
  }

  const onSort = (key: SortKey) => setSort((s) => (s?.key === key ? (s.dir === 'desc' ? { key, dir: 'asc' } : undefined) : { key, dir: 'desc' }))

  const focusRow = (i: number) => {
    const n = visible.length
    if (n === 0) return
    const j = Math.max(0, Math.min(n - 1, i))
    lastFocus.current = j
    rows.current[j]?.focus()
  }

  const open = useCallback((id: string) => {
    setForm(null)
    setOutcome((o) => (o?.scope === 'single' ? undefined : o))
    setOpenId(id)
  }, [])

  const closeDrawer = () => {
    setOpenId(undefined)
    setForm(null)
    // back to the row the analyst came from
    setTimeout(() => focusRow(lastFocus.current), 0)
  }

  const run = async (ids: readonly string[], a: Action, scope: 'single' | 'bulk') => {
    if (ids.length === 0) return
    setBusy(true)
    setOutcome(undefined)
    try {
      if (scope === 'single' && ids[0] !== undefined) {
        const inc = await client.act(ids[0], a)
        setOutcome({ scope, notice: `${ACTION_DONE[a.kind]} ${inc.id || ids[0]}: ${statusLabel(inc.status)}` })
        setForm(null)
      } else {
        const results = await client.actMany(ids, a)
        const failures = results.filter((r) => !r.ok)
        const ok = results.length - failures.length
        setOutcome({ scope, notice: `${ACTION_DONE[a.kind]} ${ok} of ${results.length}`, ...(failures.length > 0 ? { failures } : {}) })
        setBulkForm(null)
        if (failures.length === 0) setSelected(new Set())
      }
    } catch (e) {
      setOutcome({ scope, refusal: asApiError(e) })
    } finally {
      setBusy(false)
      setVersion((v) => v + 1)
    }
  }

  /** The incident a shortcut acts on: the open one, else the focused row. */
  const target = (): string | undefined => openId ?? visible[lastFocus.current]?.id

  const onRootKey = (e: React.KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'Escape' && openId !== undefined) {
      e.preventDefault()
      closeDrawer()
      return
    }
    if (isTyping(e.target) || e.ctrlKey || e.metaKey || e.altKey || busy) return
    const id = target()
    if (e.key === 'a' && id) {
      e.preventDefault()
      void run([id], { kind: 'acknowledge' }, 'single')
      if (!openId) open(id)
    } else if (e.key === 'e' && id) {
      e.preventDefault()
      void run([id], { kind: 'escalate' }, 'single')
      if (!openId) open(id)
    } else if (e.key === 'c' && id) {
      e.preventDefault()
      if (!openId) open(id)
      setForm('close')
    }
  }

  const onRowKey = (e: React.KeyboardEvent<HTMLTableRowElement>, i: number) => {
    if (e.target !== e.currentTarget) return
    lastFocus.current = i
    const row = visible[i]
    if (!row) return
    if (e.key === 'Enter') {
      e.preventDefault()
      open(row.id)
    } else if (e.key === 'j' || e.key === 'ArrowDown') {
      e.preventDefault()
      focusRow(i + 1)
    } else if (e.key === 'k' || e.key === 'ArrowUp') {
      e.preventDefault()
      focusRow(i - 1)
    } else if (e.key === 'x' || e.key === ' ') {
      e.preventDefault()
      toggle(row.id)
    }
  }

  const toggle = (id: string) =>
    setSelected((s) => {
      const n = new Set(s)
      if (n.has(id)) n.delete(id)
      else n.add(id)
      return n
    })
  const toggleAll = () => setSelected((s) => (visible.length > 0 && visible.every((r) => s.has(r.id)) ? new Set() : new Set(visible.map((r) => r.id))))

  const total = page.value?.total ?? 0
  const hiddenByTime = loaded.length - inTime.length

  const outcomeView = (scope: 'single' | 'bulk') =>
    outcome?.scope === scope && (
      <>
        {outcome.refusal && <RefusalBox error={outcome.refusal} what="Refused" />}
        {outcome.notice && (
          <div role="status" className={styles.notice} data-testid="wf-notice">
            {safeText(outcome.notice)}
          </div>
        )}
        {outcome.failures?.map((f) => (
          <div key={f.id} role="alert" className={styles.refusal} data-testid="wf-refusal">
            {safeText(f.id)}: {safeText(f.error ? `${f.error.code}: ${f.error.message}` : 'refused')}
          </div>
        ))}
      </>
    )

  return (
    <div className={styles.root} onKeyDown={onRootKey} data-testid="wf-triage">
      <div className={styles.toolbar}>
        <select className={styles.select} aria-label="Severity" data-testid="wf-filter-severity" value={filters.severity} onChange={(e) => setFilter({ severity: e.target.value })}>
          <option value="">All severities</option>
          {SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <select className={styles.select} aria-label="Status" data-testid="wf-filter-status" value={filters.status} onChange={(e) => setFilter({ status: e.target.value })}>
          <option value="">All statuses</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {statusLabel(s)}
            </option>
          ))}
        </select>
        <form
          onSubmit={(e) => {
            e.preventDefault()
            setFilter({ sourceIp: ipDraft.trim() })
          }}
        >
          <Input
            width={22}
            placeholder="Source IP (Enter)"
            aria-label="Source IP"
            data-testid="wf-filter-ip"
            value={ipDraft}
            onChange={(e) => setIpDraft(e.currentTarget.value)}
            onBlur={() => ipDraft.trim() !== filters.sourceIp && setFilter({ sourceIp: ipDraft.trim() })}
          />
        </form>
        <Input width={26} placeholder="Search this page" aria-label="Search" data-testid="wf-filter-search" value={filters.search} onChange={(e) => onFiltersChange({ ...filters, search: e.currentTarget.value })} />
        <Button size="sm" variant="secondary" data-testid="wf-refresh" onClick={() => setVersion((v) => v + 1)}>
          Refresh
        </Button>
      </div>

      {selectedIds.length > 0 && (
        <div data-testid="wf-bulk-bar">
          <span className={styles.muted}>{selectedIds.length} selected: </span>
          <ActionBar scope="bulk" ids={selectedIds} busy={busy} form={bulkForm} onForm={setBulkForm} onRun={(a) => void run(selectedIds, a, 'bulk')} />
        </div>
      )}
      {outcomeView('bulk')}
      {page.error && <RefusalBox error={page.error} what="Incidents" />}

      <div className={styles.tableWrap}>
        <Queue
          rows={visible}
          now={nowMs}
          sort={sort}
          onSort={onSort}
          selected={selected}
          onToggle={toggle}
          onToggleAll={toggleAll}
          openId={openId}
          onOpen={(id) => {
            lastFocus.current = Math.max(0, visible.findIndex((r) => r.id === id))
            open(id)
          }}
          onRowKey={onRowKey}
          rowRef={(i, el) => {
            rows.current[i] = el
          }}
        />
        {page.loading && !page.value && <div className={styles.muted}>Loading…</div>}
        {page.value && visible.length === 0 && <div className={styles.muted} data-testid="wf-empty">No incidents match.</div>}
      </div>

      <div className={styles.pager}>
        {hiddenByTime > 0 && <span className={styles.muted} data-testid="wf-hidden-by-time">{hiddenByTime} on this page outside the time range</span>}
        <span data-testid="wf-page-info">
          {total === 0 ? '0' : `${offset + 1}–${Math.min(offset + pageSize, total)}`} of {total}
        </span>
        <Button size="sm" variant="secondary" disabled={offset === 0 || page.loading} data-testid="wf-page-prev" onClick={() => setOffset(Math.max(0, offset - pageSize))}>
          Previous
        </Button>
        <Button size="sm" variant="secondary" disabled={offset + pageSize >= total || page.loading} data-testid="wf-page-next" onClick={() => setOffset(offset + pageSize)}>
          Next
        </Button>
      </div>

      {openId !== undefined && (
        <Drawer
          client={client}
          id={openId}
          version={version}
          now={nowMs}
          onClose={closeDrawer}
          onOpenIncident={open}
          actions={(inc) => (
            <>
              <ActionBar key={inc.id} scope="single" ids={[inc.id]} incident={inc} busy={busy} form={form} onForm={setForm} onRun={(a) => void run([inc.id], a, 'single')} />
              {outcomeView('single')}
            </>
          )}
        />
      )}
    </div>
  )
}

