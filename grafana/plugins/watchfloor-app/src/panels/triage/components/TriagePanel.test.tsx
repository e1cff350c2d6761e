// @vitest-environment jsdom
import '../../../test/jsdom'
import React from 'react'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { render, screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { of, throwError } from 'rxjs'
import { EventBusSrv, LoadingState, dateTime, getDefaultTimeRange, type PanelProps } from '@grafana/data'
import { INCIDENTS, RANGE } from '../../../test/fixtures'
import { DEFAULT_OPTIONS, type TriageOptions } from '../types'
import { TriagePanel, variableValue } from './TriagePanel'

const runtime = vi.hoisted(() => ({ fetch: vi.fn(), partial: vi.fn() }))
vi.mock('@grafana/runtime', () => ({ getBackendSrv: () => ({ fetch: runtime.fetch }), locationService: { partial: runtime.partial } }))

function props(vars: Record<string, string>): PanelProps<TriageOptions> {
  const timeRange = { from: dateTime(RANGE.from), to: dateTime(RANGE.to), raw: { from: 'now-24h', to: 'now' } }
  return {
    id: 1,
    title: 'Triage',
    data: { series: [], state: LoadingState.Done, timeRange: getDefaultTimeRange() },
    timeRange,
    timeZone: 'utc',
    options: DEFAULT_OPTIONS,
    transparent: false,
    width: 1200,
    height: 600,
    fieldConfig: { defaults: {}, overrides: [] },
    renderCounter: 0,
    eventBus: new EventBusSrv(),
    replaceVariables: (s: string) => s.replace(/\$\{(\w+)\}/g, (m, n: string) => vars[n] ?? m),
    onOptionsChange: () => undefined,
    onFieldConfigChange: () => undefined,
    onChangeTimeRange: () => undefined,
  }
}

describe('the triage panel in Grafana', () => {
  beforeEach(() => {
    runtime.fetch.mockReset()
    runtime.partial.mockReset()
    runtime.fetch.mockImplementation((req: { url: string }) => (req.url.includes('/api/incidents') ? of({ data: { incidents: INCIDENTS.slice(0, 2), total: 2, limit: 25, offset: 0 } }) : of({ data: {} })))
  })

  it('reads through the plugin proxy route with the dashboard variables as filters, and shows no Grafana error toast', async () => {
    render(<TriagePanel {...props({ severity: 'high', status: '$__all' })} />)
    await screen.findByTestId('wf-row-INC-1')
    // the dashboard's time range goes to the API too, so paging and totals count only the incidents in it
    const range = `from=${encodeURIComponent(new Date(RANGE.from).toISOString())}&to=${encodeURIComponent(new Date(RANGE.to).toISOString())}`
    expect(runtime.fetch).toHaveBeenCalledWith({ method: 'GET', url: `/api/plugin-proxy/watchfloor-triage-app/api/incidents?limit=25&offset=0&severity=HIGH&${range}`, data: undefined, showErrorAlert: false, showSuccessAlert: false })
  })

  it('sets a bound variable in the URL, and keeps a filter of its own where no variable exists', async () => {
    const user = userEvent.setup()
    render(<TriagePanel {...props({ severity: 'HIGH' })} />)
    await screen.findByTestId('wf-row-INC-1')
    await user.selectOptions(screen.getByTestId('wf-filter-severity'), 'CRITICAL')
    expect(runtime.partial).toHaveBeenCalledWith({ 'var-severity': 'CRITICAL' }, true)
    await user.selectOptions(screen.getByTestId('wf-filter-status'), 'closed')
    await waitFor(() => expect(runtime.fetch.mock.calls.at(-1)?.[0].url).toContain('status=closed'))
    expect(runtime.partial).toHaveBeenCalledTimes(1)
  })

  it("posts actions through the proxy and shows the proxy's role refusal", async () => {
    const user = userEvent.setup()
    runtime.fetch.mockImplementation((req: { url: string; method: string }) => {
      if (req.method === 'POST') return throwError(() => ({ status: 403, data: { message: 'plugin proxy route access denied' }, statusText: 'Forbidden' }))
      if (req.url.includes('/api/incidents')) return of({ data: { incidents: INCIDENTS.slice(0, 1), total: 1, limit: 25, offset: 0 } })
      if (/\/api\/incident\/INC-1(\?|$)/.test(req.url)) return of({ data: INCIDENTS[0] })
      return of({ data: {} })
    })
    render(<TriagePanel {...props({})} />)
    await user.click(await screen.findByTestId('wf-row-INC-1'))
    await user.click(await screen.findByTestId('wf-action-acknowledge'))
    await waitFor(() => expect(screen.getByTestId('wf-refusal').textContent).toBe('Refused: 403 GRAFANA_FORBIDDEN: plugin proxy route access denied (your role may not do this)'))
    const post = runtime.fetch.mock.calls.find((c) => c[0].method === 'POST')?.[0]
    expect(post).toMatchObject({ url: '/api/plugin-proxy/watchfloor-triage-app/api/incident/INC-1/status', data: { status: 'in_progress' } })
  })
})

describe('variableValue', () => {
  const replace = (vars: Record<string, string>) => (s: string) => s.replace(/\$\{(\w+)\}/g, (m, n: string) => vars[n] ?? m)
  it('is the single value of a defined variable, empty for All, several values or an undefined variable', () => {
    expect(variableValue(replace({ ip: '203.0.113.9' }), 'ip')).toEqual({ defined: true, value: '203.0.113.9' })
    expect(variableValue(replace({ ip: '203.0.113.9' }), '$ip')).toEqual({ defined: true, value: '203.0.113.9' })
    expect(variableValue(replace({ ip: '$__all' }), 'ip')).toEqual({ defined: true, value: '' })
    expect(variableValue(replace({ ip: '{a,b}' }), 'ip')).toEqual({ defined: true, value: '' })
    expect(variableValue(replace({}), 'ip')).toEqual({ defined: false, value: '' })
    expect(variableValue(replace({}), 'bad name}')).toEqual({ defined: false, value: '' })
  })
})
