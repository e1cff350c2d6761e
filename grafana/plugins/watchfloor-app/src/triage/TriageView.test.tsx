// @vitest-environment jsdom
import '../test/jsdom'
import { describe, expect, it } from 'vitest'
import { screen, waitFor, within } from '@testing-library/react'
import { Refusal } from '../api/fake'
import { fakeApi } from '../test/fixtures'
import { renderTriage } from '../test/render'

const rowIds = () => screen.getAllByTestId(/^wf-row-/).map((r) => r.getAttribute('data-testid')?.replace('wf-row-', ''))
const lastList = (api: ReturnType<typeof fakeApi>) => api.requests.filter((r) => r.path === '/api/incidents').at(-1)?.query

async function openIncident(user: ReturnType<typeof renderTriage>['user'], id: string) {
  await user.click(await screen.findByTestId(`wf-row-${id}`))
  const drawer = await screen.findByTestId('wf-drawer')
  await within(drawer).findByTestId('wf-section-verdict')
  return drawer
}

describe('the queue', () => {
  it('shows the incidents of the time range with their severity, status, title, entities, techniques, risk, age, assignee and suggestion', async () => {
    renderTriage()
    const row = await screen.findByTestId('wf-row-INC-1')
    const cells = within(row).getAllByRole('cell').map((c) => c.textContent)
    expect(cells.slice(1)).toEqual(['CRITICAL', 'New', 'LSASS dump on host-1', 'source_ip=203.0.113.9user=alice', 'T1003.001', '90', '2h', '-', '-'])
    expect(within(screen.getByTestId('wf-row-INC-2')).getAllByRole('cell')[8]?.textContent).toBe('bob')
    expect(within(screen.getByTestId('wf-row-INC-EVIL')).getAllByRole('cell')[9]?.textContent).toBe('benign positive (LOW)')
    // last week's incident is outside the dashboard's time range
    expect(rowIds()).not.toContain('INC-OLD')
    expect(screen.getByTestId('wf-hidden-by-time').textContent).toMatch(/^1 /)
    expect(screen.getByTestId('wf-page-info').textContent).toBe('1–5 of 5')
  })

  it('filters by severity and status through the API, by source IP on Enter, and searches the page', async () => {
    const { api, user } = renderTriage()
    await screen.findByTestId('wf-row-INC-1')
    await user.selectOptions(screen.getByTestId('wf-filter-severity'), 'CRITICAL')
    await waitFor(() => expect(rowIds()).toEqual(['INC-1']))
    expect(lastList(api)).toMatchObject({ severity: 'CRITICAL', offset: 0 })

    await user.selectOptions(screen.getByTestId('wf-filter-severity'), '')
    await user.selectOptions(screen.getByTestId('wf-filter-status'), 'closed')
    await waitFor(() => expect(rowIds()).toEqual(['INC-3']))
    expect(lastList(api)).toMatchObject({ status: 'closed' })
    expect(lastList(api)?.severity).toBeUndefined()

    await user.selectOptions(screen.getByTestId('wf-filter-status'), '')
    await user.type(screen.getByTestId('wf-filter-ip'), '203.0.113.9{Enter}')
    await waitFor(() => expect(lastList(api)).toMatchObject({ source_ip: '203.0.113.9' }))

    await user.type(screen.getByTestId('wf-filter-search'), 'port')
    await waitFor(() => expect(rowIds()).toEqual(['INC-2']))
  })

  it('sorts by a column, descending then ascending', async () => {
    const { user } = renderTriage()
    await screen.findByTestId('wf-row-INC-1')
    await user.click(screen.getByTestId('wf-sort-risk'))
    expect(rowIds()).toEqual(['INC-1', 'INC-EVIL', 'INC-3', 'INC-2'])
    await user.click(screen.getByTestId('wf-sort-risk'))
    expect(rowIds()).toEqual(['INC-2', 'INC-3', 'INC-EVIL', 'INC-1'])
    await user.click(screen.getByTestId('wf-sort-severity'))
    expect(rowIds()[0]).toBe('INC-1')
  })

  it('pages through the API with limit and offset', async () => {
    const { api, user } = renderTriage({ pageSize: 2 })
    await screen.findByTestId('wf-row-INC-1')
    expect(screen.getByTestId('wf-page-info').textContent).toBe('1–2 of 5')
    expect(screen.getByTestId('wf-page-prev')).toHaveProperty('disabled', true)
    await user.click(screen.getByTestId('wf-page-next'))
    await waitFor(() => expect(rowIds()).toEqual(['INC-3']))
    expect(lastList(api)).toMatchObject({ limit: 2, offset: 2 })
    expect(screen.getByTestId('wf-page-info').textContent).toBe('3–4 of 5')
  })

  it('shows the API refusing the list', async () => {
    const api = fakeApi().on('GET /api/incidents', new Refusal(401, 'AUTH_REQUIRED', 'unknown or revoked token'))
    renderTriage({ api })
    const refusal = await screen.findByTestId('wf-refusal')
    expect(refusal.textContent).toContain('401 AUTH_REQUIRED: unknown or revoked token')
  })
})

describe('the drawer', () => {
  it('shows the verdict, analysis, recommendations, IOCs, matched fields, events, profiles, similar incidents and history', async () => {
    const api = fakeApi()
    const { user } = renderTriage({ api })
    const drawer = await openIncident(user, 'INC-1')
    expect(within(drawer).getByTestId('wf-drawer-title').textContent).toBe('LSASS dump on host-1')
    expect(within(drawer).getByTestId('wf-analysis').textContent).toBe('LSASS memory was read by an unusual process.')
    expect(within(drawer).getByTestId('wf-recommendations').textContent).toBe('Isolate the hostReset the credentials')
    expect(within(drawer).getByTestId('wf-section-iocs').textContent).toContain('203.0.113.9')
    const evidence = await within(drawer).findByTestId('wf-alert-INC-1-a1')
    expect(evidence.textContent).toContain('CommandLine')
    expect(evidence.textContent).toContain('procdump -ma lsass.exe')
    expect((await within(drawer).findByTestId('wf-event-INC-1-e1')).textContent).toContain('{"CommandLine":"procdump -ma lsass.exe"}')
    await waitFor(() => expect(within(drawer).getByTestId('wf-section-profiles').textContent).toContain('risk 77'))
    expect(within(drawer).getByTestId('wf-section-profiles').textContent).toContain('user=alice')
    await waitFor(() => expect(within(drawer).getByTestId('wf-section-similar').textContent).toContain('closed as true positive by grafana:carol'))
    expect(within(drawer).getByTestId('wf-section-history').textContent).toContain('no changes yet')
    expect(api.requests.map((r) => r.path)).toEqual(expect.arrayContaining(['/api/incident/INC-1', '/api/incident/INC-1/alerts', '/api/incident/INC-1/events', '/api/incident/INC-1/similar', '/api/ip/203.0.113.9/profile', '/api/user/alice/profile']))
  })

  it('opens a row with Enter, moves with j/k, and closes with Escape back to the row', async () => {
    const { user } = renderTriage()
    const first = await screen.findByTestId('wf-row-INC-1')
    first.focus()
    await user.keyboard('j')
    expect(document.activeElement).toBe(screen.getByTestId('wf-row-INC-2'))
    await user.keyboard('k')
    expect(document.activeElement).toBe(first)
    await user.keyboard('j{Enter}')
    const drawer = await screen.findByTestId('wf-drawer')
    expect((await within(drawer).findByTestId('wf-drawer-title')).textContent).toBe('Port scan')
    expect(document.activeElement).toBe(screen.getByTestId('wf-drawer-close'))
    await user.keyboard('{Escape}')
    expect(screen.queryByTestId('wf-drawer')).toBeNull()
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('wf-row-INC-2')))
  })
})

describe('actions on one incident', () => {
  const cases: { name: string; id: string; steps: (u: ReturnType<typeof renderTriage>['user']) => Promise<void>; path: string; body: unknown }[] = [
    { name: 'acknowledge', id: 'INC-1', steps: (u) => u.click(screen.getByTestId('wf-action-acknowledge')), path: '/api/incident/INC-1/status', body: { status: 'in_progress' } },
    { name: 'escalate', id: 'INC-1', steps: (u) => u.click(screen.getByTestId('wf-action-escalate')), path: '/api/incident/INC-1/status', body: { status: 'escalated' } },
    {
      name: 'close with a reason',
      id: 'INC-1',
      steps: async (u) => {
        await u.click(screen.getByTestId('wf-action-close'))
        await u.selectOptions(screen.getByTestId('wf-input-close-reason'), 'false_positive')
        await u.type(screen.getByTestId('wf-input-reason'), 'backup job')
        await u.click(screen.getByTestId('wf-submit'))
      },
      path: '/api/incident/INC-1/status',
      body: { status: 'closed', close_reason: 'false_positive', reason: 'backup job' },
    },
    {
      name: 'reopen with a reason',
      id: 'INC-3',
      steps: async (u) => {
        await u.click(screen.getByTestId('wf-action-reopen'))
        await u.type(screen.getByTestId('wf-input-reason'), 'new evidence')
        await u.click(screen.getByTestId('wf-submit'))
      },
      path: '/api/incident/INC-3/status',
      body: { status: 'in_progress', reason: 'new evidence' },
    },
    {
      name: 'assign',
      id: 'INC-1',
      steps: async (u) => {
        await u.click(screen.getByTestId('wf-action-assign'))
        await u.type(screen.getByTestId('wf-input-assignee'), 'carol')
        await u.click(screen.getByTestId('wf-submit'))
      },
      path: '/api/incident/INC-1/assign',
      body: { assignee: 'carol' },
    },
    {
      name: 'comment',
      id: 'INC-1',
      steps: async (u) => {
        await u.click(screen.getByTestId('wf-action-comment'))
        await u.type(screen.getByTestId('wf-input-comment'), 'seen before')
        await u.click(screen.getByTestId('wf-submit'))
      },
      path: '/api/incident/INC-1/comment',
      body: { text: 'seen before' },
    },
    {
      name: 'triage: accept the heuristic suggestion',
      id: 'INC-1',
      steps: async (u) => {
        await u.click(screen.getByTestId('wf-action-triage'))
        await u.click(screen.getByTestId('wf-triage-accept'))
      },
      path: '/api/incident/INC-1/triage',
      body: { verdict: 'true_positive', severity: 'HIGH', accepted: true },
    },
    {
      name: "triage: accept the LLM's second opinion",
      id: 'INC-EVIL',
      steps: async (u) => {
        await u.click(screen.getByTestId('wf-action-triage'))
        await u.click(screen.getByTestId('wf-triage-accept'))
      },
      path: '/api/incident/INC-EVIL/triage',
      body: { verdict: 'benign_positive', severity: 'LOW', accepted: true },
    },
    {
      name: 'triage: override',
      id: 'INC-1',
      steps: async (u) => {
        await u.click(screen.getByTestId('wf-action-triage'))
        await u.selectOptions(screen.getByTestId('wf-input-verdict'), 'false_positive')
        await u.selectOptions(screen.getByTestId('wf-input-severity'), 'LOW')
        await u.click(screen.getByTestId('wf-submit'))
      },
      path: '/api/incident/INC-1/triage',
      body: { verdict: 'false_positive', severity: 'LOW', accepted: false },
    },
    { name: 'request an LLM suggestion', id: 'INC-1', steps: (u) => u.click(screen.getByTestId('wf-action-suggest')), path: '/api/incident/INC-1/suggest', body: {} },
    {
      name: 'merge into another incident',
      id: 'INC-1',
      steps: async (u) => {
        await u.click(screen.getByTestId('wf-action-merge'))
        await u.type(screen.getByTestId('wf-input-merge-into'), 'INC-2')
        await u.click(screen.getByTestId('wf-submit'))
      },
      path: '/api/incidents/merge',
      body: { into: 'INC-2', ids: ['INC-1'] },
    },
  ]

  for (const c of cases) {
    it(`${c.name}: sends ${c.path} with its body and reports it`, async () => {
      const { api, user } = renderTriage()
      await openIncident(user, c.id)
      await c.steps(user)
      await waitFor(() => expect(api.posts()).toHaveLength(1))
      expect(api.posts()[0]).toMatchObject({ path: c.path, body: c.body })
      expect(await screen.findByTestId('wf-notice')).toBeTruthy()
    })
  }

  it('shows a 409 refusal with its reason, and a 403 from the proxy as a role problem', async () => {
    const api = fakeApi()
      .on('POST /api/incident/INC-1/status', new Refusal(409, 'INCIDENT_TRANSITION_INVALID', 'closing needs a close_reason'))
      .handle('POST /api/incident/INC-1/assign', () => new Refusal(403, 'AUTH_FORBIDDEN', 'role viewer may not act'))
    const { user } = renderTriage({ api })
    await openIncident(user, 'INC-1')
    await user.click(screen.getByTestId('wf-action-escalate'))
    expect((await screen.findByTestId('wf-refusal')).textContent).toBe('Refused: 409 INCIDENT_TRANSITION_INVALID: closing needs a close_reason')
    await user.click(screen.getByTestId('wf-action-assign'))
    await user.type(screen.getByTestId('wf-input-assignee'), 'bob')
    await user.click(screen.getByTestId('wf-submit'))
    await waitFor(() => expect(screen.getByTestId('wf-refusal').textContent).toBe('Refused: 403 AUTH_FORBIDDEN: role viewer may not act (your role may not do this)'))
  })

  it('acts from the keyboard: a acknowledges the focused row, c opens the close form', async () => {
    const { api, user } = renderTriage()
    ;(await screen.findByTestId('wf-row-INC-2')).focus()
    await user.keyboard('a')
    await waitFor(() => expect(api.posts()).toHaveLength(1))
    expect(api.posts()[0]).toMatchObject({ path: '/api/incident/INC-2/status', body: { status: 'in_progress' } })
    await user.keyboard('{Escape}')
    screen.getByTestId('wf-row-INC-1').focus()
    await user.keyboard('c')
    expect(await screen.findByTestId('wf-form-close')).toBeTruthy()
  })
})

describe('bulk actions', () => {
  async function selectTwo(user: ReturnType<typeof renderTriage>['user']) {
    await user.click(await screen.findByTestId('wf-select-INC-1'))
    await user.click(screen.getByTestId('wf-select-INC-2'))
    return screen.getByTestId('wf-bulk-bar')
  }

  it('acknowledges, escalates and closes the selected incidents in one bulk request', async () => {
    const { api, user } = renderTriage()
    await selectTwo(user)
    await user.click(screen.getByTestId('wf-bulk-action-acknowledge'))
    await waitFor(() => expect(api.posts()).toHaveLength(1))
    expect(api.posts()[0]).toMatchObject({ path: '/api/incidents/bulk', body: { ids: ['INC-1', 'INC-2'], status: 'in_progress' } })
    expect((await screen.findByTestId('wf-notice')).textContent).toBe('Acknowledged 2 of 2')

    await selectTwo(user)
    await user.click(screen.getByTestId('wf-bulk-action-close'))
    await user.selectOptions(screen.getByTestId('wf-bulk-input-close-reason'), 'duplicate')
    await user.click(screen.getByTestId('wf-bulk-submit'))
    await waitFor(() => expect(api.posts()).toHaveLength(2))
    expect(api.posts()[1]).toMatchObject({ path: '/api/incidents/bulk', body: { ids: ['INC-1', 'INC-2'], status: 'closed', close_reason: 'duplicate' } })
  })

  it('merges the selected incidents into the one chosen, and assigns them one by one', async () => {
    const { api, user } = renderTriage()
    await selectTwo(user)
    await user.click(screen.getByTestId('wf-bulk-action-merge'))
    await user.selectOptions(screen.getByTestId('wf-bulk-input-merge-into'), 'INC-2')
    await user.click(screen.getByTestId('wf-bulk-submit'))
    await waitFor(() => expect(api.posts()).toHaveLength(1))
    expect(api.posts()[0]).toMatchObject({ path: '/api/incidents/merge', body: { into: 'INC-2', ids: ['INC-1'] } })

    await user.click(await screen.findByTestId('wf-select-INC-1'))
    await user.click(screen.getByTestId('wf-select-INC-EVIL'))
    await user.click(screen.getByTestId('wf-bulk-action-assign'))
    await user.type(screen.getByTestId('wf-bulk-input-assignee'), 'dave')
    await user.click(screen.getByTestId('wf-bulk-submit'))
    await waitFor(() => expect(api.posts('/api/incident/INC-EVIL/assign')).toHaveLength(1))
    expect(api.posts('/api/incident/INC-1/assign')[0]?.body).toEqual({ assignee: 'dave' })
  })

  it('reports each incident the API refused', async () => {
    const api = fakeApi().on('POST /api/incidents/bulk', { results: [{ id: 'INC-1', ok: true, status: 'escalated' }, { id: 'INC-2', ok: false, error: { code: 'INCIDENT_TRANSITION_INVALID', message: 'closed incidents reopen first' } }] })
    const { user } = renderTriage({ api })
    await selectTwo(user)
    await user.click(screen.getByTestId('wf-bulk-action-escalate'))
    expect((await screen.findByTestId('wf-notice')).textContent).toBe('Escalated 1 of 2')
    expect(screen.getByTestId('wf-refusal').textContent).toBe('INC-2: INCIDENT_TRANSITION_INVALID: closed incidents reopen first')
  })
})
