// @vitest-environment jsdom
import '../test/jsdom'
import React from 'react'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { of } from 'rxjs'
import { PluginType, type AppPluginMeta } from '@grafana/data'
import type { AppSettings } from '../constants'
import { AppConfig, normalizeApiUrl, type AppConfigProps } from './AppConfig'

const runtime = vi.hoisted(() => ({ fetch: vi.fn() }))
vi.mock('@grafana/runtime', () => ({ getBackendSrv: () => ({ fetch: runtime.fetch }) }))

function props(jsonData: AppSettings, tokenSet: boolean): AppConfigProps {
  const meta: AppPluginMeta<AppSettings> = {
    id: 'watchfloor-triage-app',
    name: 'Watchfloor',
    type: PluginType.app,
    module: '',
    baseUrl: '',
    enabled: true,
    pinned: false,
    jsonData,
    secureJsonFields: tokenSet ? { apiToken: true } : {},
    info: { author: { name: 'Watchfloor' }, description: '', links: [], logos: { small: '', large: '' }, screenshots: [], updated: '', version: '' },
  }
  // the page uses only plugin.meta
  return { plugin: { meta } as AppConfigProps['plugin'], query: {} }
}

describe('the app configuration page', () => {
  beforeEach(() => {
    runtime.fetch.mockReset().mockReturnValue(of({ data: {} }))
    vi.spyOn(window, 'location', 'get').mockReturnValue({ ...window.location, reload: () => undefined })
  })

  it('saves the API URL in jsonData and the token in secureJsonData', async () => {
    const user = userEvent.setup()
    render(<AppConfig {...props({}, false)} />)
    expect(screen.getByTestId('wf-config-submit')).toHaveProperty('disabled', true)
    await user.type(screen.getByTestId('wf-config-api-url'), 'http://watchfloor:8080/')
    await user.type(screen.getByTestId('wf-config-api-token'), 'wf_proxy_abc')
    await user.click(screen.getByTestId('wf-config-submit'))
    expect(runtime.fetch).toHaveBeenCalledWith({ url: '/api/plugins/watchfloor-triage-app/settings', method: 'POST', data: { enabled: true, pinned: false, jsonData: { apiUrl: 'http://watchfloor:8080' }, secureJsonData: { apiToken: 'wf_proxy_abc' } } })
  })

  it('leaves a configured token alone when only the URL changes', async () => {
    const user = userEvent.setup()
    render(<AppConfig {...props({ apiUrl: 'http://old:8080' }, true)} />)
    await user.clear(screen.getByTestId('wf-config-api-url'))
    await user.type(screen.getByTestId('wf-config-api-url'), 'https://watchfloor.example')
    await user.click(screen.getByTestId('wf-config-submit'))
    expect(runtime.fetch.mock.calls[0]?.[0].data).toEqual({ enabled: true, pinned: false, jsonData: { apiUrl: 'https://watchfloor.example' } })
  })

  it('takes only http(s) URLs', () => {
    expect(normalizeApiUrl(' http://watchfloor:8080// ')).toBe('http://watchfloor:8080')
    expect(normalizeApiUrl('javascript:alert(1)')).toBeUndefined()
    expect(normalizeApiUrl('file:///etc/passwd')).toBeUndefined()
    expect(normalizeApiUrl('watchfloor:8080')).toBeUndefined()
  })
})
