/**
 * The Backend inside Grafana: every call goes to the app's plugin proxy route
 * (`/api/plugin-proxy/<app id>/api/...`), where Grafana checks the user's role against the route
 * (GET: Viewer, POST: Editor), adds the API token from the app's encrypted `secureJsonData` and
 * sets `X-Grafana-User` to the signed-in user (`[dataproxy] send_user_header = true`). The
 * browser never holds the token.
 */
import { getBackendSrv } from '@grafana/runtime'
import { lastValueFrom } from 'rxjs'
import { APP_ID } from '../constants'
import { asApiError, queryString, type Backend, type Query } from './backend'

export class GrafanaBackend implements Backend {
  constructor(private readonly appId: string = APP_ID) {}

  private url(path: string, query?: Query): string {
    return `/api/plugin-proxy/${this.appId}${path}${queryString(query)}`
  }

  private async send(method: 'GET' | 'POST', url: string, data?: unknown): Promise<unknown> {
    try {
      // showErrorAlert off: the panel shows the refusal itself, next to what was refused
      const res = await lastValueFrom(getBackendSrv().fetch<unknown>({ method, url, data, showErrorAlert: false, showSuccessAlert: false }))
      return res.data
    } catch (e) {
      throw asApiError(e)
    }
  }

  get(path: string, query?: Query): Promise<unknown> {
    return this.send('GET', this.url(path, query))
  }

  post(path: string, body?: unknown): Promise<unknown> {
    return this.send('POST', this.url(path), body ?? {})
  }
}
