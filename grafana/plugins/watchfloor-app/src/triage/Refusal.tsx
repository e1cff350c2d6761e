/** An API refusal as the analyst reads it: the status, the API's code and its message (409 reasons, 403 roles). */
import React from 'react'
import { useStyles2 } from '@grafana/ui'
import type { ApiError } from '../api/backend'
import { getStyles } from './styles'
import { safeText } from './text'

export function describe(e: ApiError): string {
  const who = e.status === 403 ? ' (your role may not do this)' : e.status === 401 ? ' (the API token is missing or revoked: see the app configuration)' : ''
  return `${e.status > 0 ? `${e.status} ` : ''}${e.code}: ${e.message}${who}`
}

export function RefusalBox({ error, what, testId = 'wf-refusal' }: { error: ApiError; what?: string; testId?: string }) {
  const styles = useStyles2(getStyles)
  return (
    <div role="alert" className={styles.refusal} data-testid={testId}>
      {what ? `${what}: ` : ''}
      {safeText(describe(error))}
    </div>
  )
}
