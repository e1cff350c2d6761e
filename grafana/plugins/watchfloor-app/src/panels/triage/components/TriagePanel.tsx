/**
 * The triage panel in Grafana: the TriageView over the plugin proxy, its filters bound to the
 * dashboard's variables (read through `replaceVariables`, written to the URL so the variable and
 * every panel that uses it follow) and its queue to the dashboard's time range.
 */
import React, { useMemo, useState } from 'react'
import type { PanelProps } from '@grafana/data'
import { locationService } from '@grafana/runtime'
import { css } from '@emotion/css'
import { useStyles2 } from '@grafana/ui'
import { GrafanaBackend } from '../../../api/grafana'
import { WatchfloorClient } from '../../../api/watchfloor'
import { TriageView, type Filters } from '../../../triage/TriageView'
import type { TriageOptions } from '../types'

type BoundKey = 'severity' | 'status' | 'sourceIp'

/** A variable's single value, or '' when it is not defined, is All, or holds several values (the API takes one). */
export function variableValue(replace: (s: string) => string, name: string): { defined: boolean; value: string } {
  const n = name.trim().replace(/^\$/, '')
  if (!/^[A-Za-z0-9_]+$/.test(n)) return { defined: false, value: '' }
  const ref = `\${${n}}`
  const out = replace(ref)
  if (out === ref) return { defined: false, value: '' }
  const v = out.trim()
  return { defined: true, value: v === '$__all' || v.toLowerCase() === 'all' || /[,{}]/.test(v) ? '' : v }
}

const getStyles = () => ({ wrap: css({ position: 'relative', overflow: 'hidden' }) })

export function TriagePanel({ options, timeRange, replaceVariables, width, height }: PanelProps<TriageOptions>) {
  const styles = useStyles2(getStyles)
  const client = useMemo(() => new WatchfloorClient(new GrafanaBackend()), [])
  const [local, setLocal] = useState<Filters>({ severity: '', status: '', sourceIp: '', search: '' })
  const bound: Record<BoundKey, string> = { severity: options.severityVariable, status: options.statusVariable, sourceIp: options.ipVariable }
  const vars = {
    severity: variableValue(replaceVariables, bound.severity),
    status: variableValue(replaceVariables, bound.status),
    sourceIp: variableValue(replaceVariables, bound.sourceIp),
  }
  const filters: Filters = {
    severity: vars.severity.defined ? vars.severity.value.toUpperCase() : local.severity,
    status: vars.status.defined ? vars.status.value.toLowerCase() : local.status,
    sourceIp: vars.sourceIp.defined ? vars.sourceIp.value : local.sourceIp,
    search: local.search,
  }
  const onFiltersChange = (f: Filters) => {
    const url: Record<string, string> = {}
    for (const k of ['severity', 'status', 'sourceIp'] as const) {
      if (f[k] !== filters[k] && vars[k].defined) url[`var-${bound[k].trim().replace(/^\$/, '')}`] = f[k] === '' ? '$__all' : f[k]
    }
    if (Object.keys(url).length > 0) locationService.partial(url, true)
    setLocal(f)
  }
  const from = timeRange.from.valueOf()
  const to = timeRange.to.valueOf()
  return (
    <div className={styles.wrap} style={{ width, height }} data-testid="wf-panel">
      <TriageView client={client} filters={filters} onFiltersChange={onFiltersChange} timeRange={{ from, to }} pageSize={Math.max(5, Math.min(200, options.pageSize || 25))} refreshKey={`${from}-${to}`} />
    </div>
  )
}
