/**
 * The index's write path against a scripted client: what a real node rarely does on demand
 * (per-item 429s, refused documents, a full queue) and how each is counted. The behaviour
 * against a real node is in pipeline/test/integration/elasticsearch.test.ts.
 */
import { errors, type Client, type estypes } from '@elastic/elasticsearch'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../config/load.js'
import { WatchfloorError } from '../../errors.js'
import { ComponentCounters } from '../../telemetry/counters.js'
import type { IncidentDocument } from '../search/types.js'
import { incidentDocument as doc } from '../search/fixtures.js'
import { ElasticsearchIndex, type Backfill } from './sink.js'

type ItemStatus = number | { status: number; type: string }
type BulkScript = (docs: IncidentDocument[]) => ItemStatus[] | Error

/** Just the calls the index makes, answering bulk requests from a script. */
class FakeClient {
  bulks: IncidentDocument[][] = []
  down = false
  constructor(private script: BulkScript = (d) => d.map(() => 201)) {}
  setScript(s: BulkScript): void {
    this.script = s
  }
  private check(): void {
    if (this.down) throw new errors.ConnectionError('connect ECONNREFUSED 127.0.0.1:9200')
  }
  indices = {
    putIndexTemplate: async () => (this.check(), { acknowledged: true }),
    exists: async () => (this.check(), true),
    create: async () => (this.check(), { acknowledged: true }),
    putMapping: async () => (this.check(), { acknowledged: true }),
    refresh: async () => (this.check(), {}),
  }
  count = async () => (this.check(), { count: 0 })
  search = async (): Promise<estypes.SearchResponse> => {
    this.check()
    return { took: 1, timed_out: false, _shards: { total: 1, successful: 1, failed: 0 }, hits: { hits: [] } }
  }
  close = async () => undefined
  bulk = async ({ operations }: { operations: unknown[] }): Promise<estypes.BulkResponse> => {
    this.check()
    const docs = operations.filter((_, i) => i % 2 === 1) as IncidentDocument[]
    this.bulks.push(docs)
    const answer = this.script(docs)
    if (answer instanceof Error) throw answer
    return {
      took: 1,
      errors: answer.some((a) => (typeof a === 'number' ? a : a.status) >= 300),
      items: answer.map((a, i) => {
        const status = typeof a === 'number' ? a : a.status
        return { index: { _index: 'wf', _id: docs[i]!.id, status, ...(typeof a === 'number' ? {} : { error: { type: a.type, reason: 'scripted' } }) } }
      }),
    }
  }
}

function setup(opts: { maxQueued?: number; script?: BulkScript; backfill?: Backfill; catchUp?: boolean } = {}) {
  const config = loadConfig({ env: {}, overrides: { search: { elasticsearchUrl: 'http://127.0.0.1:9200', index: 'wf' } } })
  // below the option's minimum (100), to fill the queue with a handful of versions
  const search = { ...config.search, maxQueued: opts.maxQueued ?? 1000 }
  const fake = new FakeClient(opts.script)
  const counters = new ComponentCounters('search', 'sink')
  const backfillCalls: string[] = []
  const backfill: Backfill =
    opts.backfill ??
    async function* (since) {
      backfillCalls.push(since)
    }
  const index = new ElasticsearchIndex(search, { counters, backfill, client: fake as unknown as Client, backoffMs: 5, maxBackoffMs: 20, attempts: 3, catchUp: opts.catchUp ?? false })
  return { index, fake, counters, backfillCalls }
}

const at = (min: number) => `2026-11-23T10:${String(min).padStart(2, '0')}:00.000Z`

describe('ElasticsearchIndex write path', () => {
  it('sends queued versions with their id and external version, and keeps only the newest version of an incident', async () => {
    const { index, fake, counters } = setup()
    index.write([doc({ id: 'a', version: 1 }), doc({ id: 'b', version: 1 }), doc({ id: 'a', version: 3 }), doc({ id: 'a', version: 2 })])
    await index.start()
    expect(await index.flush(2000)).toBe(true)
    expect(fake.bulks.flat().map((d) => `${d.id}@${d.version}`)).toEqual(['a@3', 'b@1'])
    expect(counters.received).toBe(4)
    expect(counters.sent).toBe(4) // two superseded while queued count as delivered: the index holds a newer version
    expect(index.status()).toMatchObject({ status: 'ok', queued: 0, indexed: 4, failed: 0, backfill_pending: false })
    await index.close()
  })

  it('treats a version conflict as success and retries items answered 429 with backoff, counting the failures', async () => {
    let round = 0
    const { index, fake, counters } = setup({ script: (docs) => docs.map((d) => (d.id === 'old' ? 409 : d.id === 'busy' && round++ === 0 ? { status: 429, type: 'es_rejected_execution_exception' } : 201)) })
    await index.start()
    index.write([doc({ id: 'old' }), doc({ id: 'busy' }), doc({ id: 'fine' })])
    expect(await index.flush(2000)).toBe(true)
    expect(fake.bulks.map((b) => b.map((d) => d.id))).toEqual([['old', 'busy', 'fine'], ['busy']])
    expect(counters.sent).toBe(3)
    expect(counters.droppedTotal).toBe(0)
    expect(counters.errors).toBe(1)
    expect(index.status()).toMatchObject({ status: 'ok', indexed: 3, failed: 1 })
    await index.close()
  })

  it('retries a whole bulk request answered 503 without leaving anything to the backfill', async () => {
    let calls = 0
    const unavailable = new errors.ResponseError({ statusCode: 503, body: { error: { type: 'cluster_block_exception', reason: 'scripted' } }, headers: {}, warnings: null, meta: {} } as unknown as ConstructorParameters<typeof errors.ResponseError>[0])
    const { index, fake, counters } = setup({ script: (docs) => (calls++ === 0 ? unavailable : docs.map(() => 201)) })
    await index.start()
    index.write([doc({ id: 'a' }), doc({ id: 'b' })])
    expect(await index.flush(2000)).toBe(true)
    expect(fake.bulks.length).toBe(2)
    expect(counters.sent).toBe(2)
    expect(counters.droppedTotal).toBe(0)
    expect(counters.errors).toBe(1)
    expect(index.status()).toMatchObject({ status: 'ok', backfill_pending: false })
    await index.close()
  })

  it('counts a refused document as dropped with sink_write_failed and says why in the status', async () => {
    const { index, counters } = setup({ script: (docs) => docs.map((d) => (d.id === 'bad' ? { status: 400, type: 'document_parsing_exception' } : 201)) })
    await index.start()
    index.write([doc({ id: 'bad' }), doc({ id: 'good' })])
    expect(await index.flush(2000)).toBe(true)
    expect(counters.sent).toBe(1)
    expect(Object.fromEntries(counters.dropped)).toEqual({ sink_write_failed: 1 })
    expect(index.status().detail).toContain('document_parsing_exception')
    await index.close()
  })

  it('leaves versions past SEARCH_MAX_QUEUED to a backfill from the oldest of them, degraded until it ran', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const backfilled: string[] = []
    const { index, fake, counters } = setup({
      maxQueued: 2,
      backfill: async function* (since) {
        backfilled.push(since)
        yield [doc({ id: 'c', version: 1, updated_at: at(3) }), doc({ id: 'd', version: 1, updated_at: at(4) })]
      },
    })
    const bulk = fake.bulk
    fake.bulk = async (req) => {
      await gate // the first bulk hangs, so the queue fills up
      return bulk(req)
    }
    await index.start()
    index.write([doc({ id: 'a', updated_at: at(1) })])
    await new Promise((r) => setTimeout(r, 20)) // 'a' is in flight
    index.write([doc({ id: 'b', updated_at: at(2) }), doc({ id: 'x', updated_at: at(9) }), doc({ id: 'c', updated_at: at(3) }), doc({ id: 'd', updated_at: at(4) })])
    expect(index.status()).toMatchObject({ status: 'degraded', backfill_pending: true, queued: 3 })
    expect(index.status().detail).toContain('more than 2 versions queued')
    expect(counters.dropped.get('search_unavailable')).toBe(2)
    release()
    expect(await index.flush(2000)).toBe(true)
    expect(backfilled).toEqual([at(3)])
    expect(fake.bulks.flat().map((d) => d.id)).toEqual(['a', 'b', 'x', 'c', 'd'])
    expect(index.status()).toMatchObject({ status: 'ok', backfill_pending: false })
    await index.close()
  })

  it('when Elasticsearch stops answering: degraded, nothing queued, and a backfill from the oldest unwritten version once it answers', async () => {
    const backfilled: string[] = []
    const { index, fake } = setup({
      backfill: async function* (since) {
        backfilled.push(since)
        yield [doc({ id: 'b', version: 2, updated_at: at(2) })]
      },
    })
    await index.start()
    fake.down = true
    index.write([doc({ id: 'b', version: 2, updated_at: at(2) })])
    await new Promise((r) => setTimeout(r, 30))
    index.write([doc({ id: 'c', updated_at: at(5) })])
    expect(index.status()).toMatchObject({ status: 'degraded', queued: 0, backfill_pending: true })
    expect(index.status().detail).toMatch(/unreachable.*ECONNREFUSED.*2026-11-23T10:02:00.000Z will be backfilled/)
    await expect(index.similar(doc({ id: 'q', title: 'x' }), 5)).rejects.toSatisfy((e: unknown) => e instanceof WatchfloorError && e.code === 'SEARCH_UNAVAILABLE')
    expect(await index.flush(100)).toBe(false)
    fake.down = false
    expect(await index.flush(2000)).toBe(true)
    expect(backfilled).toEqual([at(2)])
    expect(index.status()).toMatchObject({ status: 'ok', backfill_pending: false })
    await index.close()
  })

  it('reads the same range again when the backfill itself fails', async () => {
    let calls = 0
    const { index } = setup({
      maxQueued: 1,
      backfill: async function* (since) {
        calls++
        if (calls === 1) throw new Error(`ClickHouse is down (since ${since})`)
        yield []
      },
    })
    await index.start()
    index.write([doc({ id: 'a' }), doc({ id: 'b', updated_at: at(7) })])
    expect(await index.flush(3000)).toBe(true)
    expect(calls).toBe(2)
    await index.close()
  })

  it('after close, counts writes as dropped with pipeline_stopping', async () => {
    const { index, counters } = setup()
    await index.start()
    await index.close()
    index.write([doc({ id: 'late' })])
    expect(counters.dropped.get('pipeline_stopping')).toBe(1)
    expect(index.status().status).toBe('down')
  })
})

describe('ElasticsearchIndex catch-up at start', () => {
  it('backfills from the newest version the index holds, or from the beginning when it is empty', async () => {
    const calls: string[] = []
    const { index, fake } = setup({ catchUp: true, backfill: async function* (since) {
      calls.push(since)
    } })
    const search = fake.search
    fake.search = async () => ({ ...(await search()), aggregations: { latest: { value: Date.parse('2026-11-23T10:07:00.000Z') } } })
    await index.start()
    expect(await index.flush(2000)).toBe(true)
    for (let t = Date.now(); calls.length === 0 && Date.now() - t < 2000; ) await new Promise((r) => setTimeout(r, 10))
    expect(calls).toEqual(['2026-11-23T10:07:00.000Z'])
    await index.close()
    const empty: string[] = []
    const fresh = setup({ catchUp: true, backfill: async function* (since) {
      empty.push(since)
    } })
    await fresh.index.start()
    for (let t = Date.now(); empty.length === 0 && Date.now() - t < 2000; ) await new Promise((r) => setTimeout(r, 10))
    expect(empty).toEqual(['1970-01-01T00:00:00.000Z'])
    await fresh.index.close()
  })
})
