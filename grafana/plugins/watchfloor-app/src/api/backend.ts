/**
 * The one door to the Watchfloor API. Components get a `Backend` and never know what is behind
 * it: in Grafana, the plugin proxy (`grafana.ts`), which adds the token and the analyst; in the
 * standalone UI, direct calls; in tests, `FakeBackend` (`fake.ts`). Answers are `unknown` until
 * `decode.ts` has checked them.
 */

export type Query = Readonly<Record<string, string | number | undefined>>

export interface Backend {
  /** GET an API path (`/api/incidents`), with query parameters (undefined ones are left out). */
  get(path: string, query?: Query): Promise<unknown>
  /** POST a JSON body to an API path. */
  post(path: string, body?: unknown): Promise<unknown>
}

/**
 * A refusal or a failure, as the analyst should read it: the HTTP status, the API's error code
 * (`INCIDENT_TRANSITION_INVALID`, `AUTH_FORBIDDEN`...) and its message. `canRetry` for the
 * answers worth trying again (network, 429, 5xx); a 4xx says what to change.
 */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly canRetry: boolean

  constructor(status: number, code: string, message: string) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.canRetry = status === 0 || status === 429 || status >= 500
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * The error behind a non-2xx answer: the API's `{error: {code, message}}`, Grafana's own
 * `{message}` (the proxy's "plugin proxy route access denied" for a role below the route's), or
 * the status text.
 */
export function apiErrorFrom(status: number, body: unknown, statusText = ''): ApiError {
  if (isObj(body) && isObj(body.error)) {
    const { code, message } = body.error
    return new ApiError(status, typeof code === 'string' ? code : `HTTP_${status}`, typeof message === 'string' ? message : statusText)
  }
  if (isObj(body) && typeof body.message === 'string') return new ApiError(status, status === 403 ? 'GRAFANA_FORBIDDEN' : `HTTP_${status}`, body.message)
  if (typeof body === 'string' && body.trim() !== '') return new ApiError(status, `HTTP_${status}`, body.slice(0, 500))
  return new ApiError(status, status === 0 ? 'NETWORK' : `HTTP_${status}`, statusText || (status === 0 ? 'the API could not be reached' : `HTTP ${status}`))
}

/** Any thrown value as an ApiError (unknown errors become typed at this boundary). */
export function asApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e
  if (isObj(e) && typeof e.status === 'number') return apiErrorFrom(e.status, e.data, typeof e.statusText === 'string' ? e.statusText : '')
  return new ApiError(0, 'CLIENT', e instanceof Error ? e.message : String(e))
}

/** `?a=1&b=x` from a query, undefined and empty values left out. */
export function queryString(query: Query | undefined): string {
  if (!query) return ''
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') p.set(k, String(v))
  const s = p.toString()
  return s ? `?${s}` : ''
}
