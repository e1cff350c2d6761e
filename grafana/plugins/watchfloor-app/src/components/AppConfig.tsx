/**
 * The app's configuration page (Administration > Plugins > Watchfloor): the API URL (jsonData,
 * readable by viewers) and the API token of role `proxy` (secureJsonData: encrypted by Grafana,
 * never sent back to the browser; only "configured" is shown, and Reset replaces it).
 */
import React, { useState, type ChangeEvent } from 'react'
import { lastValueFrom } from 'rxjs'
import { css } from '@emotion/css'
import type { AppPluginMeta, GrafanaTheme2, PluginConfigPageProps, PluginMeta } from '@grafana/data'
import { getBackendSrv } from '@grafana/runtime'
import { Button, Field, FieldSet, Input, SecretInput, useStyles2 } from '@grafana/ui'
import type { AppSettings } from '../constants'

export interface AppConfigProps extends PluginConfigPageProps<AppPluginMeta<AppSettings>> {}

/** An http(s) URL without a trailing slash, or undefined. */
export function normalizeApiUrl(v: string): string | undefined {
  try {
    const u = new URL(v.trim())
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined
    return u.toString().replace(/\/+$/, '')
  } catch {
    return undefined
  }
}

const getStyles = (theme: GrafanaTheme2) => ({ marginTop: css({ marginTop: theme.spacing(3) }) })

export function AppConfig({ plugin }: AppConfigProps) {
  const s = useStyles2(getStyles)
  const { enabled, pinned, jsonData, secureJsonFields } = plugin.meta
  const [apiUrl, setApiUrl] = useState(jsonData?.apiUrl ?? '')
  const [apiToken, setApiToken] = useState('')
  const [tokenSet, setTokenSet] = useState(Boolean(secureJsonFields?.apiToken))
  const [error, setError] = useState('')
  const url = normalizeApiUrl(apiUrl)
  const disabled = url === undefined || (!tokenSet && apiToken === '')

  const onSubmit = async (e: React.FormEvent) => {
    e.preventDefault()
    if (disabled || url === undefined) return
    const data: Partial<PluginMeta<AppSettings>> = {
      enabled,
      pinned,
      jsonData: { apiUrl: url },
      // sent only when typed: an empty value would overwrite the stored token
      ...(apiToken !== '' ? { secureJsonData: { apiToken } } : {}),
    }
    try {
      await lastValueFrom(getBackendSrv().fetch({ url: `/api/plugins/${plugin.meta.id}/settings`, method: 'POST', data }))
      window.location.reload()
    } catch {
      setError('Saving the settings failed: see the Grafana server log.')
    }
  }

  return (
    <form onSubmit={(e) => void onSubmit(e)} data-testid="wf-app-config">
      <FieldSet label="Watchfloor API">
        <Field label="API URL" description="Where Grafana's server reaches the Watchfloor API (http or https), e.g. http://watchfloor:8080" invalid={apiUrl !== '' && url === undefined} error="an http(s) URL">
          <Input width={60} id="wf-api-url" data-testid="wf-config-api-url" value={apiUrl} placeholder="http://watchfloor:8080" onChange={(e: ChangeEvent<HTMLInputElement>) => setApiUrl(e.currentTarget.value)} />
        </Field>
        <Field label="API token" description="A Watchfloor token of role proxy (POST /api/tokens with role proxy); stored encrypted by Grafana" className={s.marginTop}>
          <SecretInput
            width={60}
            id="wf-api-token"
            data-testid="wf-config-api-token"
            value={apiToken}
            isConfigured={tokenSet}
            placeholder="token of role proxy"
            onChange={(e: ChangeEvent<HTMLInputElement>) => setApiToken(e.currentTarget.value.trim())}
            onReset={() => {
              setApiToken('')
              setTokenSet(false)
            }}
          />
        </Field>
        {error && <div role="alert">{error}</div>}
        <div className={s.marginTop}>
          <Button type="submit" data-testid="wf-config-submit" disabled={disabled}>
            Save API settings
          </Button>
        </div>
      </FieldSet>
    </form>
  )
}
