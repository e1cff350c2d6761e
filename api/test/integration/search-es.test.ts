/**
 * Similar incidents with Elasticsearch as the backend, end to end: a real node (Elasticsearch
 * 8.19 from Maven Central jars, started by scripts/elasticsearch through test/support) behind the
 * real server. The similar endpoint answers from it; with the node stopped, ingest still answers
 * 202 and incidents are stored in ClickHouse while search is reported degraded; once the node is
 * back, the incidents written meanwhile are backfilled and found.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '@watchfloor/pipeline'
import { elasticsearchNode, needElasticsearch } from '../../../test/support/elasticsearch.js'
import { startServer, type Running } from '../../src/server.js'
import { post, tempDir } from '../helpers.js'

const es = needElasticsearch()
const fail = (day: number, s: number, ip: string, host: string) => `Nov ${day} 10:00:${String(s).padStart(2, '0')} ${host} sshd[${4000 + s}]: Failed password for root from ${ip} port ${40000 + s} ssh2`
const burst = (day: number, ip: string, host: string) => Array.from({ length: 12 }, (_, s) => fail(day, s, ip, host)).join('\n')

describe.skipIf(!es.have)(es.title('similar incidents on Elasticsearch (real node, real server)'), () => {
  const node = elasticsearchNode()
  const tmp = tempDir()
  let server: Running
  afterAll(async () => {
    await server?.stop()
    tmp.cleanup()
  })
  const get = async (path: string) => {
    const r = await fetch(`${server.url}${path}`)
    return { status: r.status, json: (await r.json()) as any }
  }
  const idsOf = async (ip: string) => ((await get(`/api/incidents?source_ip=${ip}`)).json.incidents as Array<{ id: string; first_seen: string }>).sort((a, b) => a.first_seen.localeCompare(b.first_seen)).map((i) => i.id)
  const until = async (what: string, ok: () => Promise<boolean>, ms = 90_000) => {
    const deadline = Date.now() + ms
    while (!(await ok())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
      await new Promise((r) => setTimeout(r, 250))
    }
  }

  it('answers similar incidents from Elasticsearch', async () => {
    server = await startServer(loadConfig({ env: {}, overrides: { dataDir: tmp.dir, port: 0, logLevel: 'silent', pipeline: { workers: 2 }, api: { auth: 'actions' }, search: { elasticsearchUrl: node.url, index: 'wf-e2e' } } }))
    for (const body of [burst(20, '203.0.113.66', 'web1'), burst(22, '203.0.113.66', 'web2'), burst(21, '198.51.100.23', 'db1')]) expect((await post(`${server.url}/api/ingest`, body, 'text/plain')).status).toBe(202)
    const [first, second] = await idsOf('203.0.113.66')
    await until('the three incidents indexed', async () => {
      const search = (await get('/api/health')).json.components.search
      return search.indexed >= 3 && search.queued === 0
    })
    let r = await get(`/api/incident/${second}/similar`)
    await until('searchable (index refresh)', async () => (r = await get(`/api/incident/${second}/similar`)).json.similar?.length > 0)
    expect(r.status).toBe(200)
    expect(r.json.similar[0]).toMatchObject({ id: first })
    expect(r.json.similar[0].reasons.entities).toContain('source_ip=203.0.113.66')
    expect((await get('/api/health')).json.components.search).toMatchObject({ status: 'ok', backend: 'elasticsearch' })
  })

  it('keeps ingesting while Elasticsearch is down (search degraded), and backfills what was written meanwhile', async () => {
    await node.stop()
    expect((await post(`${server.url}/api/ingest`, burst(24, '192.0.2.44', 'web3'), 'text/plain')).status).toBe(202)
    expect((await post(`${server.url}/api/ingest`, burst(25, '192.0.2.44', 'web4'), 'text/plain')).status).toBe(202)
    const [a, b] = await idsOf('192.0.2.44')
    expect(a && b).toBeTruthy() // stored in ClickHouse
    await until('search degraded', async () => (await get('/api/health')).json.components.search.status === 'degraded', 30_000)
    const health = await get('/api/health')
    expect(health.status).toBe(200) // degraded, not down: the platform still answers
    expect((await get(`/api/incident/${b}/similar`)).status).toBe(503)
    await node.start()
    await until('search ok again', async () => (await get('/api/health')).json.components.search.status === 'ok')
    await until('the backfilled incident found', async () => {
      const r = await get(`/api/incident/${b}/similar`)
      return r.status === 200 && r.json.similar.some((s: { id: string }) => s.id === a)
    })
  })
})
