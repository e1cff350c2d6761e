/**
 * A Backend for tests and demos, next to the real ones: answers from handlers keyed by
 * `METHOD path` (or a function of the request), records every request with its body, and
 * answers a refusal as the API would (`{error: {code, message}}` with a status).
 */
import { ApiError, apiErrorFrom, type Backend, type Query } from './backend'

export interface FakeRequest {
  method: 'GET' | 'POST'
  path: string
  query?: Query
  body?: unknown
}

/** A refusal the fake answers with: the status and the API's error body. */
export class Refusal {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly message: string,
  ) {}
}

/** Computes an answer (data, or a Refusal) from the request. */
export type FakeHandler = (req: FakeRequest) => unknown

export class FakeBackend implements Backend {
  readonly requests: FakeRequest[] = []
  private readonly routes = new Map<string, FakeHandler>()

  /** Answer `key` (`GET /api/incidents`, or `GET /api/incident/*` where `*` is one path segment) with data or a Refusal. */
  on(key: string, answer: unknown): this {
    this.routes.set(key, () => answer)
    return this
  }

  /** Answer `key` with what `handler` computes from the request. */
  handle(key: string, handler: FakeHandler): this {
    this.routes.set(key, handler)
    return this
  }

  posts(path?: string): FakeRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && (path === undefined || r.path === path))
  }

  private answer(req: FakeRequest): Promise<unknown> {
    this.requests.push(req)
    const key = `${req.method} ${req.path}`
    let handler = this.routes.get(key)
    if (handler === undefined) {
      for (const [pattern, h] of this.routes) {
        const re = new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]+')}$`)
        if (re.test(key)) {
          handler = h
          break
        }
      }
    }
    if (handler === undefined) return Promise.reject(new ApiError(404, 'NOT_FOUND', `no fake answer for ${key}`))
    const out = handler(req)
    if (out instanceof Refusal) return Promise.reject(apiErrorFrom(out.status, { error: { code: out.code, message: out.message } }))
    return Promise.resolve(structuredClone(out))
  }

  get(path: string, query?: Query): Promise<unknown> {
    return this.answer(query === undefined ? { method: 'GET', path } : { method: 'GET', path, query })
  }

  post(path: string, body?: unknown): Promise<unknown> {
    return this.answer({ method: 'POST', path, body })
  }
}
