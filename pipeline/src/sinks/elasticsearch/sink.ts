/**
 * The Elasticsearch backend of similar-incident search. `write()` only queues (one entry per
 * incident: a newer version replaces a queued older one); a background loop bulk-indexes with
 * the incident id as `_id` and its version as an external version, so a re-sent or late older
 * version never overwrites a newer one and a 409 means "already there".
 *
 * Nothing is dropped silently. Per-item failures Elasticsearch may accept later (429, 5xx) are
 * retried with backoff and counted; refused documents (mapping errors) are counted as dropped
 * and logged. When Elasticsearch stops answering, or the queue passes `SEARCH_MAX_QUEUED`, the
 * versions that could not be written are let go of with the oldest `updated_at` among them
 * remembered; once Elasticsearch answers again (templates put back first, in case it lost its
 * data) the `backfill` callback reads every incident updated since then from the store of record
 * and they are indexed like any write. Until that backfill finishes the index is `degraded`.
 */
import type { Client, estypes } from '@elastic/elasticsearch'
import type { Config } from '../../config/schema.js'
import { WatchfloorError } from '../../errors.js'
import type { ComponentCounters } from '../../telemetry/counters.js'
import { SILENT, type Log } from '../../telemetry/log.js'
import type { IncidentDocument, IncidentIndex, SearchStatus, SimilarIncident } from '../search/types.js'
import { describeError, elasticsearchClient, isRefused, isUnavailable, statusOf } from './client.js'
import { similarIncident, similarRequest } from './query.js'
import { incidentMappings, incidentTemplate, templateOptions, type TemplateOptions } from './template.js'

/** Reads the store of record: every incident version updated at or after `sinceIso`, in pages. */
export type Backfill = (sinceIso: string) => AsyncIterable<IncidentDocument[]>

export interface ElasticsearchIndexOptions {
  counters: ComponentCounters
  backfill: Backfill
  log?: Log
  /** A client to use instead of one built from the config (it is then not closed by `close()`). */
  client?: Client
  /** Most documents in one bulk request (default 1000). */
  batchDocs?: number
  /** Most bytes of source in one bulk request (default 8 MiB). */
  batchBytes?: number
  /** Attempts of a bulk request or of a failed item before its versions are left to the backfill (default 5). */
  attempts?: number
  /** First backoff delay in ms; doubles per attempt (default 200). */
  backoffMs?: number
  /** Longest wait between two probes of an unreachable Elasticsearch (default 30 s). */
  maxBackoffMs?: number
  /** Longest wait for a similar-incidents answer (default 5 s). */
  searchTimeoutMs?: number
  /** At start, backfill what the store has beyond the index's newest version (default true; tests of the write path turn it off). */
  catchUp?: boolean
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** Milliseconds of an `updated_at`; an unreadable one counts as the epoch (a backfill that is too wide, never one that misses it). */
function timeOf(iso: string): number {
  const t = Date.parse(iso.includes('T') || !iso.includes(' ') ? iso : `${iso.replace(' ', 'T')}Z`)
  return Number.isNaN(t) ? 0 : t
}

const sourceBytes = (d: IncidentDocument) => d.title.length + d.summary.length + d.evidence.length + d.entities.length * 40 + (d.embedding?.length ?? 0) * 20 + 600

export class ElasticsearchIndex implements IncidentIndex {
  readonly backend = 'elasticsearch' as const
  private readonly client: Client
  private readonly ownsClient: boolean
  private readonly log: Log
  private readonly template: TemplateOptions
  private readonly index: string
  private readonly batchDocs: number
  private readonly batchBytes: number
  private readonly attempts: number
  private readonly backoffMs: number
  private readonly maxBackoffMs: number
  private readonly searchTimeoutMs: number

  /** Versions waiting for a bulk request, one per incident (insertion order is write order). */
  private readonly queue = new Map<string, IncidentDocument>()
  /** Versions in the bulk request being sent. */
  private inflight = 0
  /** Oldest `updated_at` (ms) of a version that was let go of and must come back through the backfill. */
  private since: number | undefined
  private backfilling = false
  private reachable = true
  private overflowed = false
  private lastError: string | undefined
  private lastRefusal: string | undefined
  private indexed = 0
  private failed = 0
  private documents: number | undefined
  private lastCount = 0
  private closed = false
  private started = false
  private loop: Promise<void> | undefined
  private wakeUp: (() => void) | undefined
  /** At start: the index is behind ClickHouse by whatever was stored since its newest document. */
  private catchUp: boolean
  private woken = false

  constructor(
    private readonly search: Readonly<Config['search']>,
    private readonly opts: ElasticsearchIndexOptions,
  ) {
    this.client = opts.client ?? elasticsearchClient(search)
    this.ownsClient = opts.client === undefined
    this.log = opts.log ?? SILENT
    this.template = templateOptions(search)
    this.index = search.index
    this.batchDocs = opts.batchDocs ?? 1000
    this.batchBytes = opts.batchBytes ?? 8 * 1024 * 1024
    this.attempts = opts.attempts ?? 5
    this.backoffMs = opts.backoffMs ?? 200
    this.maxBackoffMs = opts.maxBackoffMs ?? 30_000
    this.searchTimeoutMs = opts.searchTimeoutMs ?? 5000
    this.catchUp = opts.catchUp ?? true
  }

  async start(): Promise<void> {
    if (this.started) return
    this.started = true
    try {
      await this.ensureIndex()
      this.log.info({ index: this.index, url: this.safeUrl() }, 'elasticsearch index ready')
    } catch (err) {
      this.unreachable(err, [])
    }
    this.loop = this.run()
  }

  write(docs: readonly IncidentDocument[]): void {
    if (docs.length === 0) return
    this.opts.counters.received += docs.length
    if (this.closed) {
      this.opts.counters.drop('pipeline_stopping', docs.length)
      this.log.warn({ versions: docs.length }, 'search index closed: incident versions not indexed')
      return
    }
    let deferred: IncidentDocument[] | undefined
    let queuedAny = false
    for (const doc of docs) {
      const queued = this.queue.get(doc.id)
      if (queued !== undefined) {
        // the queued version is replaced by (or already newer than) this one: one of them is superseded
        if (doc.version > queued.version) this.queue.set(doc.id, doc)
        this.superseded(1)
      } else if (!this.reachable || this.queue.size >= this.search.maxQueued) {
        if (this.reachable && !this.overflowed) {
          this.overflowed = true
          this.log.warn({ queued: this.queue.size, max: this.search.maxQueued }, 'search index queue full: later versions are left to the backfill')
        }
        ;(deferred ??= []).push(doc)
      } else {
        this.queue.set(doc.id, doc)
        queuedAny = true
      }
    }
    if (deferred !== undefined) this.defer(deferred)
    // while Elasticsearch is unreachable nothing is queued, and the probe keeps its own pace
    if (queuedAny) this.wake()
  }

  async similar(doc: IncidentDocument, limit: number): Promise<SimilarIncident[]> {
    if (this.closed) throw new WatchfloorError('SEARCH_UNAVAILABLE', 'the search index is closed')
    let res: estypes.SearchResponse<unknown>
    try {
      res = await this.client.search<unknown>(similarRequest(this.index, doc, limit, this.documents), { requestTimeout: this.searchTimeoutMs, maxRetries: 1 })
    } catch (err) {
      if (statusOf(err) === 404 && describeError(err).includes('index_not_found')) return []
      throw new WatchfloorError('SEARCH_UNAVAILABLE', `elasticsearch: ${describeError(err)}`, { cause: err })
    }
    const out: SimilarIncident[] = []
    for (const hit of res.hits.hits) {
      const s = similarIncident(doc, hit)
      if (s !== undefined && s.id !== doc.id) out.push(s)
    }
    return out.slice(0, limit)
  }

  status(): SearchStatus {
    const pending = this.since !== undefined || this.backfilling
    const s: SearchStatus = {
      backend: 'elasticsearch',
      status: this.closed ? 'down' : !this.reachable || pending ? 'degraded' : 'ok',
      queued: this.queue.size + this.inflight,
      indexed: this.indexed,
      failed: this.failed,
      backfill_pending: pending,
    }
    const detail = this.detail()
    if (detail !== undefined) s.detail = detail
    if (this.documents !== undefined) s.documents = this.documents
    return s
  }

  async flush(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    const idle = () => this.queue.size === 0 && this.inflight === 0 && this.since === undefined && !this.backfilling && this.reachable
    while (!idle()) {
      if (this.closed || Date.now() >= deadline) return false
      await sleep(Math.min(25, Math.max(1, deadline - Date.now())))
    }
    try {
      // written is not yet searchable: make it so for whoever waited (tests, shutdown)
      await this.client.indices.refresh({ index: this.index }, { requestTimeout: Math.max(1000, deadline - Date.now()) })
      await this.count()
      return true
    } catch (err) {
      this.lastError = describeError(err)
      return false
    }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.wake()
    await this.loop
    const left = this.queue.size
    if (left > 0 || this.since !== undefined) {
      // the store of record has them: a backfill from it (at the next start) brings them back
      this.opts.counters.drop('pipeline_stopping', left)
      this.log.warn({ versions: left, backfill_since: this.sinceIso() }, 'search index closed before everything was indexed')
      this.queue.clear()
    }
    if (this.ownsClient) await this.client.close()
  }

  /** The template (put each time: it is idempotent and carries mapping changes), then the index or its new fields. */
  /** The newest `updated_at` in the index (ms), or 0 when it is empty. */
  private async latestIndexed(): Promise<number> {
    const r = await this.client.search({ index: this.index, size: 0, aggs: { latest: { max: { field: 'updated_at' } } } }, { requestTimeout: 10_000 })
    const value = (r.aggregations?.latest as { value?: number | null } | undefined)?.value
    return typeof value === 'number' ? value : 0
  }

  private async ensureIndex(): Promise<void> {
    const opts = { requestTimeout: 10_000 }
    await this.client.indices.putIndexTemplate(incidentTemplate(this.template), opts)
    if (!(await this.client.indices.exists({ index: this.index }, opts))) {
      try {
        await this.client.indices.create({ index: this.index }, opts)
        return
      } catch (err) {
        if (!describeError(err).includes('resource_already_exists_exception')) throw err
      }
    }
    try {
      // an index made by an older template gains the fields added since (types of existing ones cannot change)
      await this.client.indices.putMapping({ index: this.index, ...incidentMappings(this.template.embeddingDims) }, opts)
    } catch (err) {
      if (isUnavailable(err)) throw err
      this.lastError = `mappings of ${this.index} conflict with this version's: ${describeError(err)}`
      this.log.error({ index: this.index, error: describeError(err) }, 'elasticsearch index mappings conflict; documents with the conflicting fields will be refused')
    }
  }

  private async run(): Promise<void> {
    let probes = 0
    while (!this.closed) {
      if (!this.reachable) {
        await this.nap(Math.min(this.maxBackoffMs, this.backoffMs * 2 ** Math.min(probes++, 20)))
        if (this.closed) break
        try {
          await this.ensureIndex()
          this.reachable = true
          this.lastError = undefined
          probes = 0
          this.log.info({ backfill_since: this.sinceIso() }, 'elasticsearch answers again')
        } catch (err) {
          this.lastError = describeError(err)
        }
        continue
      }
      if (this.catchUp) {
        // what was stored while no process was writing here (Elasticsearch down across a restart, a crash while degraded)
        try {
          const latest = await this.latestIndexed()
          this.catchUp = false
          this.since = Math.min(this.since ?? latest, latest)
        } catch (err) {
          if (isUnavailable(err)) {
            this.unreachable(err, [])
            continue
          }
          // the newest document cannot be asked for: backfill everything (versions make it idempotent)
          this.log.warn({ error: describeError(err) }, 'search index catch-up: newest document unknown, backfilling all incidents')
          this.catchUp = false
          this.since = 0
        }
      }
      if (this.queue.size > 0) {
        await this.send(this.take())
        continue
      }
      if (this.since !== undefined) {
        await this.runBackfill()
        continue
      }
      if (Date.now() - this.lastCount > 30_000) await this.count().catch(() => undefined)
      await this.nap(30_000)
    }
  }

  /** The next bulk's worth of queued versions, oldest first. */
  private take(): IncidentDocument[] {
    const batch: IncidentDocument[] = []
    let bytes = 0
    for (const [id, doc] of this.queue) {
      if (batch.length >= this.batchDocs || (batch.length > 0 && bytes + sourceBytes(doc) > this.batchBytes)) break
      batch.push(doc)
      bytes += sourceBytes(doc)
      this.queue.delete(id)
    }
    if (this.queue.size === 0) this.overflowed = false
    return batch
  }

  /**
   * One bulk request, its retryable items retried with backoff. Returns once every version is
   * indexed, refused (dropped, counted), or let go of to the backfill.
   */
  private async send(docs: IncidentDocument[]): Promise<void> {
    this.inflight = docs.length
    try {
      let todo = docs
      for (let attempt = 1; todo.length > 0; attempt++) {
        if (attempt > 1) await sleep(Math.min(this.maxBackoffMs, this.backoffMs * 2 ** (attempt - 2)))
        let res: estypes.BulkResponse
        try {
          res = await this.client.bulk({ operations: this.operations(todo) })
        } catch (err) {
          this.opts.counters.errors++
          if (isUnavailable(err)) {
            // a refused connection is not worth retrying at once; a timeout or a 429/5xx is, a few times
            if (attempt < this.attempts && !isRefused(err)) continue
            this.unreachable(err, todo)
            return
          }
          this.reject(todo, describeError(err))
          return
        }
        const retry: IncidentDocument[] = []
        const refused: Array<{ doc: IncidentDocument; error: string }> = []
        let ok = 0
        res.items.forEach((item, i) => {
          const doc = todo[i]!
          const r = item.index
          const status = r?.status ?? 500
          // 409: this version or a newer one is already indexed; the index holds what it should
          if ((status >= 200 && status < 300) || status === 409) ok++
          else if (status === 429 || status >= 500) retry.push(doc)
          else refused.push({ doc, error: r?.error ? `${r.error.type}: ${r.error.reason ?? ''}` : `HTTP ${status}` })
        })
        this.indexed += ok
        this.opts.counters.sent += ok
        if (refused.length > 0) {
          for (const { doc, error } of refused.slice(0, 3)) this.log.error({ id: doc.id, version: doc.version, error }, 'elasticsearch refused an incident version')
          this.reject(
            refused.map((r) => r.doc),
            refused[0]!.error,
          )
        }
        if (retry.length > 0) {
          this.failed += retry.length
          this.opts.counters.errors++
          if (attempt >= this.attempts) {
            this.log.warn({ versions: retry.length, attempts: attempt }, 'elasticsearch kept rejecting incident versions: left to the backfill')
            this.defer(retry)
            return
          }
        }
        todo = retry
      }
    } finally {
      this.inflight = 0
    }
  }

  private async runBackfill(): Promise<void> {
    const since = this.since!
    this.since = undefined
    this.backfilling = true
    const sinceIso = new Date(since).toISOString()
    this.log.info({ since: sinceIso }, 'search index backfill started')
    let versions = 0
    let complete = false
    try {
      for await (const page of this.opts.backfill(sinceIso)) {
        this.opts.counters.received += page.length
        for (let i = 0; i < page.length; i += this.batchDocs) {
          await this.send(page.slice(i, i + this.batchDocs))
          if (!this.reachable || this.closed) break
        }
        versions += page.length
        if (!this.reachable || this.closed) break
      }
      complete = this.reachable && !this.closed
    } catch (err) {
      this.lastError = `backfill failed: ${err instanceof Error ? err.message : String(err)}`
      this.log.warn({ since: sinceIso, error: this.lastError }, 'search index backfill failed; retrying')
    } finally {
      this.backfilling = false
    }
    if (complete) {
      this.log.info({ since: sinceIso, versions }, 'search index backfill done')
      if (this.since === undefined) this.lastError = undefined
      return
    }
    // not done: everything since the same point is read again next time
    this.since = Math.min(since, this.since ?? since)
    if (this.reachable && !this.closed) await this.nap(Math.min(this.maxBackoffMs, this.backoffMs * 10))
  }

  private operations(docs: readonly IncidentDocument[]): Array<estypes.BulkOperationContainer | IncidentDocument> {
    const ops: Array<estypes.BulkOperationContainer | IncidentDocument> = []
    for (const doc of docs) ops.push({ index: { _index: this.index, _id: doc.id, version: doc.version, version_type: 'external' } }, doc)
    return ops
  }

  /** Elasticsearch is not answering: these versions, and every queued one, wait for the backfill. */
  private unreachable(err: unknown, docs: readonly IncidentDocument[]): void {
    const wasReachable = this.reachable
    this.reachable = false
    this.lastError = describeError(err)
    const queued = [...this.queue.values()]
    this.queue.clear()
    this.overflowed = false
    this.defer([...docs, ...queued])
    if (wasReachable) this.log.warn({ error: this.lastError, backfill_since: this.sinceIso() }, 'elasticsearch unreachable: incident versions will be backfilled when it answers')
  }

  /** Versions not written now: counted, and their oldest `updated_at` kept for the backfill. */
  private defer(docs: readonly IncidentDocument[]): void {
    if (docs.length === 0) return
    let oldest = this.since ?? Number.POSITIVE_INFINITY
    for (const d of docs) oldest = Math.min(oldest, timeOf(d.updated_at))
    this.since = oldest
    this.opts.counters.drop('search_unavailable', docs.length)
  }

  /** Versions Elasticsearch refused (a mapping conflict, a malformed value): retrying fails the same way. */
  private reject(docs: readonly IncidentDocument[], error: string): void {
    this.failed += docs.length
    // kept apart from the availability errors: an outage ending does not make a refusal go away
    this.lastRefusal = `refused ${docs.length} version(s): ${error}`
    this.opts.counters.drop('sink_write_failed', docs.length)
  }

  private superseded(n: number): void {
    this.indexed += n
    this.opts.counters.sent += n
  }

  private async count(): Promise<void> {
    this.lastCount = Date.now()
    const r = await this.client.count({ index: this.index }, { requestTimeout: 5000 })
    this.documents = r.count
  }

  private detail(): string | undefined {
    if (this.closed) return 'closed'
    const backfill = this.since !== undefined ? `; versions updated since ${this.sinceIso()} will be backfilled` : this.backfilling ? '; backfill running' : ''
    if (!this.reachable) return `elasticsearch unreachable (${this.lastError ?? 'no answer'})${backfill}`
    if (this.overflowed) return `more than ${this.search.maxQueued} versions queued${backfill}`
    if (backfill !== '') return backfill.slice(2)
    return this.lastError ?? this.lastRefusal
  }

  private sinceIso(): string | undefined {
    return this.since === undefined ? undefined : new Date(this.since).toISOString()
  }

  private safeUrl(): string {
    const u = new URL(this.search.elasticsearchUrl ?? 'http://invalid')
    u.username = ''
    u.password = ''
    return u.toString()
  }

  private wake(): void {
    const w = this.wakeUp
    this.wakeUp = undefined
    if (w === undefined) this.woken = true
    else w()
  }

  /** Sleeps up to `ms`, or until `write()` or `close()` wakes the loop (also when that happened while it was busy). */
  private nap(ms: number): Promise<void> {
    if (this.woken || this.closed) {
      this.woken = false
      return Promise.resolve()
    }
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, ms)
      // an idle or probing index does not keep the process alive on its own
      t.unref()
      function done() {
        clearTimeout(t)
        resolve()
      }
      this.wakeUp = done
    })
  }
}
