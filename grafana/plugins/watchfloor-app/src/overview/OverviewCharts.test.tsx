// @vitest-environment jsdom
import '../test/jsdom'
import React from 'react'
import { describe, expect, it } from 'vitest'
import { render, screen, within } from '@testing-library/react'
import { decodeOverview } from '../api/decode'
import { RLO } from '../test/fixtures'
import { OverviewCharts } from './OverviewCharts'

const FROM = Date.parse('2026-11-24T00:00:00Z')
const TO = Date.parse('2026-11-25T00:00:00Z')
const API_ANSWER = {
  from: '2026-11-24T00:00:00.000Z',
  to: '2026-11-25T00:00:00.000Z',
  bucket_seconds: 1800,
  incidents_over_time: [
    { t: '2026-11-24T10:00:00Z', counts: { CRITICAL: 1, HIGH: 2 } },
    { t: '2026-11-24T08:00:00Z', counts: { LOW: 4 } },
    { t: 'not a time', counts: { HIGH: 9 } },
  ],
  open_by_status: { new: 3, in_progress: 1, closed: 7 },
  top_sources: [{ value: '203.0.113.9', alerts: 12 }, { value: '', alerts: 1 }],
  top_users: [{ value: `<img src=x onerror=alert(1)>adm${RLO}nimda`, alerts: 5 }],
  attack: [
    { technique: 'T1110.001', name: 'Password Guessing', tactics: ['credential-access'], alerts: 12 },
    { technique: 'T1046', name: 'Network Service Discovery', tactics: ['discovery'], alerts: 3 },
    { technique: 'T1059.001', name: 'PowerShell', tactics: ['execution'], alerts: 1 },
  ],
}

describe('overview charts', () => {
  it('decodes the API answer defensively: buckets in time order, unparseable times and empty values left out', () => {
    const o = decodeOverview(API_ANSWER)
    expect(o.overTime.map((b) => new Date(b.t).toISOString())).toEqual(['2026-11-24T08:00:00.000Z', '2026-11-24T10:00:00.000Z'])
    expect(o.topSources).toEqual([{ value: '203.0.113.9', alerts: 12 }])
    expect(decodeOverview('nonsense')).toMatchObject({ overTime: [], openByStatus: {}, topSources: [], attack: [] })
  })

  it('draws one stacked bar per bucket, the open queue without closed incidents, the top entities and the techniques under their tactics', () => {
    render(<OverviewCharts data={decodeOverview(API_ANSWER)} from={FROM} to={TO} />)
    const incidents = screen.getByTestId('wf-chart-incidents')
    expect(within(incidents).getByRole('img').getAttribute('aria-label')).toBe('7 incidents: CRITICAL 1, HIGH 2, MEDIUM 0, LOW 4')
    const bars = within(incidents).getAllByTestId('wf-chart-bar')
    expect(bars.map((b) => b.querySelectorAll('rect').length)).toEqual([1, 2])
    expect(bars.map((b) => b.querySelector('title')?.textContent)).toEqual(['2026-11-24 08:00 UTC: LOW 4', '2026-11-24 10:00 UTC: CRITICAL 1, HIGH 2'])
    const open = within(screen.getByTestId('wf-chart-open')).getAllByTestId('wf-chart-open-row').map((r) => r.textContent)
    expect(open).toEqual(['new3', 'in progress1', 'triaged0', 'escalated0'])
    const top = within(screen.getByTestId('wf-chart-top')).getAllByTestId('wf-chart-top-row').map((r) => r.textContent)
    // long values are clipped on screen and whole in the tooltip, both as text
    expect(top).toEqual(['203.0.113.912', 'user <img src=x onerror=alert(1)>adm[U+…5'])
    const label = within(screen.getByTestId('wf-chart-top')).getAllByTestId('wf-chart-top-row')[1]!.firstElementChild!
    expect(label.getAttribute('title')).toBe('user <img src=x onerror=alert(1)>adm[U+202E]nimda')
    const tactics = screen.getAllByTestId('wf-chart-attack-tactic').map((t) => t.firstChild?.textContent)
    // in kill-chain order, whatever order the API gave
    expect(tactics).toEqual(['execution', 'credential access', 'discovery'])
  })

  it('renders hostile values as text: no element or attribute comes from the logs', () => {
    const { container } = render(<OverviewCharts data={decodeOverview(API_ANSWER)} from={FROM} to={TO} />)
    expect(container.querySelector('img')).toBeNull()
    expect([...container.querySelectorAll('*')].some((el) => [...el.attributes].some((a) => a.name.startsWith('on')))).toBe(false)
    expect(container.textContent).not.toContain(RLO)
  })

  it('says so when the range has nothing', () => {
    render(<OverviewCharts data={decodeOverview({ bucket_seconds: 300 })} from={FROM} to={TO} />)
    expect(screen.getByTestId('wf-chart-incidents').textContent).toContain('No incidents in this range')
    expect(screen.getByTestId('wf-chart-top').textContent).toContain('No alerts in this range')
    expect(screen.getByTestId('wf-chart-attack').textContent).toContain('No ATT&CK techniques in this range')
  })
})
