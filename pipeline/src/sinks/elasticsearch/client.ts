/**
 * The @elastic/elasticsearch v8 client the search index builds from the validated config, and
 * the one place its errors are sorted into "Elasticsearch is not answering" (retry, then
 * backfill) and "Elasticsearch refused this request" (a bug or a mapping conflict: retrying the
 * same body fails the same way).
 */
import { Client, errors, type ClientOptions } from '@elastic/elasticsearch'
import type { Config } from '../../config/schema.js'

export function elasticsearchClient(search: Readonly<Config['search']>, overrides: Partial<ClientOptions> = {}): Client {
  if (search.elasticsearchUrl === undefined) throw new Error('ELASTICSEARCH_URL is not set')
  const options: ClientOptions = {
    node: search.elasticsearchUrl,
    name: 'watchfloor',
    requestTimeout: 30_000,
    // The index retries with its own backoff and falls back to the backfill; the client's
    // immediate retries would only multiply requests against a node that is struggling.
    maxRetries: 0,
    ...overrides,
  }
  if (search.elasticsearchUsername !== '') options.auth = { username: search.elasticsearchUsername, password: search.elasticsearchPassword }
  return new Client(options)
}

/** The HTTP status of a failed request, when Elasticsearch answered at all. */
export function statusOf(err: unknown): number | undefined {
  return err instanceof errors.ResponseError ? err.statusCode : undefined
}

/**
 * Whether a failed request means Elasticsearch is not answering (down, unreachable, overloaded):
 * the same request can succeed later. A 4xx other than 408/429 is Elasticsearch refusing it.
 */
export function isUnavailable(err: unknown): boolean {
  if (err instanceof errors.ResponseError) {
    const s = err.statusCode ?? 0
    return s === 408 || s === 429 || s >= 500
  }
  return err instanceof errors.ConnectionError || err instanceof errors.TimeoutError || err instanceof errors.NoLivingConnectionsError || err instanceof errors.RequestAbortedError
}

/** Whether nothing listens at all (connection refused, no node left): not worth an immediate retry. */
export function isRefused(err: unknown): boolean {
  return err instanceof errors.ConnectionError || err instanceof errors.NoLivingConnectionsError
}

/** A short, credential-free description of a failed request for logs and `status().detail`. */
export function describeError(err: unknown): string {
  if (err instanceof errors.ResponseError) {
    const body = err.meta.body as { error?: { type?: string; reason?: string } | string } | undefined
    const e = body?.error
    const what = typeof e === 'string' ? e : e ? `${e.type ?? 'error'}: ${e.reason ?? ''}` : err.message
    return `HTTP ${err.statusCode ?? '?'} ${what}`.slice(0, 300)
  }
  if (err instanceof errors.ElasticsearchClientError) return `${err.name}: ${err.message}`.slice(0, 300)
  return err instanceof Error ? err.message.slice(0, 300) : String(err).slice(0, 300)
}
