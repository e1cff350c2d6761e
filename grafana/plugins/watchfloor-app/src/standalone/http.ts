/**
 * The Backend of the standalone UI: direct calls to the API on the same origin, the analyst's
 * own API token (if signed in) as `Authorization: Bearer`. It replaces Grafana's plugin proxy and
 * nothing else: the components above it are the same.
 */
import { apiErrorFrom, ApiError, queryString, type Backend, type Query } from '../api/backend'

export class FetchBackend implements Backend {
  /** `token`: read at every call, so signing in or out takes effect at once; `base`: '' for the same origin. */
  constructor(
    private readonly token: () => string | undefined,
    private readonly base = '',
    private readonly fetchFn: typeof fetch = (...a) => fetch(...a),
  ) {}

  private async send(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json' }
    const token = this.token()
    if (token) headers.authorization = `Bearer ${token}`
    if (method === 'POST') headers['content-type'] = 'application/json'
    let res: Response
    try {
      res = await this.fetchFn(`${this.base}${path}`, { method, headers, credentials: 'omit', ...(method === 'POST' ? { body: JSON.stringify(body ?? {}) } : {}) })
    } catch (e) {
      throw new ApiError(0, 'NETWORK', e instanceof Error ? e.message : 'the API could not be reached')
    }
    const text = await res.text()
    let data: unknown = text
    try {
      data = text === '' ? undefined : JSON.parse(text)
    } catch {
      // a non-JSON answer (a proxy's error page) is kept as text for the refusal
    }
    if (!res.ok) throw apiErrorFrom(res.status, data, res.statusText)
    return data
  }

  get(path: string, query?: Query): Promise<unknown> {
    return this.send('GET', `${path}${queryString(query)}`)
  }

  post(path: string, body?: unknown): Promise<unknown> {
    return this.send('POST', path, body)
  }
}
