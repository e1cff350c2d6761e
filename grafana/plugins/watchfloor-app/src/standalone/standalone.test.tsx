// @vitest-environment jsdom
import '../test/jsdom'
import React from 'react'
import { describe, expect, it, vi } from 'vitest'
import { render, screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { App, overviewOf } from './App'
import { FetchBackend } from './http'
import { sessionTokens } from './session'

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

describe('FetchBackend', () => {
  it('calls the API on the same origin with the token as a Bearer header, never in the URL', async () => {
    const fetchFn = vi.fn(async () => json(200, { ok: true }))
    const b = new FetchBackend(() => 'tok-1', '', fetchFn as unknown as typeof fetch)
    expect(await b.get('/api/incidents', { limit: 5, severity: undefined })).toEqual({ ok: true })
    await b.post('/api/incident/X/status', { status: 'closed' })
    const [getUrl, getInit] = fetchFn.mock.calls[0] as unknown as [string, RequestInit]
    expect(getUrl).toBe('/api/incidents?limit=5')
    expect(getInit.headers).toMatchObject({ authorization: 'Bearer tok-1' })
    const [postUrl, postInit] = fetchFn.mock.calls[1] as unknown as [string, RequestInit]
    expect(postUrl).toBe('/api/incident/X/status')
    expect(postInit).toMatchObject({ method: 'POST', body: '{"status":"closed"}' })
    for (const [url] of fetchFn.mock.calls as unknown as [string][]) expect(url).not.toContain('tok-1')
  })

  it("turns the API's refusal and a network failure into ApiErrors", async () => {
    const refused = new FetchBackend(() => undefined, '', (async () => json(409, { error: { code: 'INCIDENT_TRANSITION_INVALID', message: 'already closed' } })) as unknown as typeof fetch)
    await expect(refused.post('/api/incident/X/status')).rejects.toMatchObject({ status: 409, code: 'INCIDENT_TRANSITION_INVALID', message: 'already closed', canRetry: false })
    const down = new FetchBackend(() => undefined, '', (async () => Promise.reject(new TypeError('Failed to fetch'))) as unknown as typeof fetch)
    await expect(down.get('/api/stats')).rejects.toMatchObject({ status: 0, code: 'NETWORK', canRetry: true })
  })
})

describe('the standalone page', () => {
  it('keeps the token in session storage only', () => {
    const t = sessionTokens()
    t.set('tok-2')
    expect(sessionStorage.getItem('watchfloor.token')).toBe('tok-2')
    expect(localStorage.length).toBe(0)
    t.clear()
    expect(t.get()).toBeUndefined()
  })

  it('sums the open incidents from /api/stats', () => {
    expect(overviewOf({ total_events: 9, total_incidents: 3, dead_letters: 1, incidents_by_status: { new: 1, in_progress: 1, closed: 1 }, incidents_by_severity: { CRITICAL: 2 } })).toEqual({ events: 9, incidents: 3, open: 2, critical: 2, deadLetters: 1 })
    expect(overviewOf('nonsense')).toEqual({ events: 0, incidents: 0, open: 0, critical: 0, deadLetters: 0 })
  })

  it('asks for a token when reads need one, then shows the queue with it', async () => {
    sessionStorage.clear()
    const seen: (string | undefined)[] = []
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      const auth = (init.headers as Record<string, string>).authorization
      seen.push(auth)
      if (auth !== 'Bearer good') return json(401, { error: { code: 'AUTH_REQUIRED', message: 'send an API token' } })
      if (url.startsWith('/api/incidents')) return json(200, { incidents: [], total: 0, limit: 25, offset: 0 })
      return json(200, { total_events: 4, total_incidents: 0, dead_letters: 0, incidents_by_status: {}, incidents_by_severity: {} })
    })
    const user = userEvent.setup()
    render(<App tokens={sessionTokens()} />)
    expect(await screen.findByTestId('wf-signin-error')).toHaveProperty('textContent', 'This Watchfloor needs an API token to read.')
    await user.type(screen.getByTestId('wf-signin-token'), 'good')
    await user.click(screen.getByTestId('wf-signin-submit'))
    await screen.findByTestId('wf-triage')
    await waitFor(() => expect(screen.getByTestId('wf-stat-events').textContent).toContain('4'))
    expect(sessionStorage.getItem('watchfloor.token')).toBe('good')
    expect(window.location.href).not.toContain('good')
    vi.unstubAllGlobals()
  })
})
