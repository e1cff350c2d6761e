/**
 * The Elasticsearch search index against a real node (Elasticsearch 8.19 from Maven Central jars,
 * started by scripts/elasticsearch/server.mjs through test/support/elasticsearch.ts): the
 * mappings it declares, idempotent and ordered writes, similar incidents on a seeded history
 * with the reasons and dispositions an analyst sees, and an outage: the node stopped mid-run and
 * restarted, the versions written meanwhile backfilled from the store of record.
 */
import { Client } from '@elastic/elasticsearch'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { elasticsearchNode, needElasticsearch } from '../../../test/support/elasticsearch.js'
import { loadConfig } from '../../src/config/load.js'
import { WatchfloorError } from '../../src/errors.js'
import { ComponentCounters } from '../../src/telemetry/counters.js'
import { incidentDocument as doc } from '../../src/sinks/search/fixtures.js'
import { ElasticsearchIndex, type Backfill } from '../../src/sinks/elasticsearch/sink.js'
import type { IncidentDocument } from '../../src/sinks/search/types.js'

const es = needElasticsearch()

describe.skipIf(!es.have)(es.title('the Elasticsearch incidents index (real node)'), () => {
  const node = elasticsearchNode()
  let client: Client
  const opened: ElasticsearchIndex[] = []

  beforeAll(() => {
    client = new Client({ node: node.url })
  })
  afterAll(async () => {
    for (const i of opened) await i.close()
    await client?.close()
  })

  function open(index: string, backfill: Backfill = async function* () {}, extra: Record<string, unknown> = {}) {
    const config = loadConfig({ env: {}, overrides: { search: { elasticsearchUrl: node.url, index, ...extra } } })
    const counters = new ComponentCounters('search', 'sink')
    const idx = new ElasticsearchIndex(config.search, { counters, backfill, backoffMs: 100, maxBackoffMs: 1000 })
    opened.push(idx)
    return { idx, counters }
  }

  it('creates the index from its template with the declared mappings, the embedding only when configured', async () => {
    const { idx } = open('wf-mappings')
    await idx.start()
    const mapping = (await client.indices.getMapping({ index: 'wf-mappings' }))['wf-mappings']!.mappings
    expect(mapping.dynamic).toBe('strict')
    const props = mapping.properties!
    const typeOf = (f: string) => props[f]?.type
    for (const f of ['id', 'status', 'severity', 'disposition', 'closed_by', 'analyst', 'entities', 'users', 'hosts', 'rules', 'techniques', 'tactics', 'threat_type']) expect(typeOf(f), f).toBe('keyword')
    for (const f of ['title', 'summary', 'evidence']) expect(props[f], f).toMatchObject({ type: 'text', analyzer: 'standard' })
    for (const f of ['first_seen', 'last_seen', 'updated_at', 'closed_at']) expect(typeOf(f), f).toBe('date')
    expect(typeOf('ips')).toBe('ip')
    expect(typeOf('risk_score')).toBe('integer')
    expect(typeOf('version')).toBe('long')
    expect(props.embedding).toBeUndefined()
    const template = await client.indices.getIndexTemplate({ name: 'wf-mappings' })
    expect(template.index_templates[0]!.index_template.index_patterns).toEqual(['wf-mappings'])

    // a field the mappings do not name is refused and counted, never indexed half-typed
    const { idx: strict, counters } = open('wf-mappings')
    await strict.start()
    strict.write([{ ...doc({ id: 'odd' }), surprise: 1 } as IncidentDocument])
    expect(await strict.flush(10_000)).toBe(true)
    expect(counters.dropped.get('sink_write_failed')).toBe(1)
    expect(strict.status().detail).toContain('strict_dynamic_mapping_exception')

    // shards and replicas as configured (the defaults: one shard, a replica where there is a second node)
    const settingsOf = async (index: string) => (await client.indices.getSettings({ index }))[index]!.settings!.index!
    expect(await settingsOf('wf-mappings')).toMatchObject({ number_of_shards: '1', auto_expand_replicas: '0-1' })
    const { idx: sized } = open('wf-sized', undefined, { shards: 2, replicas: '0' })
    await sized.start()
    expect(await settingsOf('wf-sized')).toMatchObject({ number_of_shards: '2', number_of_replicas: '0', auto_expand_replicas: 'false' })

    const { idx: vectors } = open('wf-vectors', undefined, { embeddingsModel: 'test-embeddings', embeddingDims: 4 })
    await vectors.start()
    const vmap = (await client.indices.getMapping({ index: 'wf-vectors' }))['wf-vectors']!.mappings.properties!
    expect(vmap.embedding).toMatchObject({ type: 'dense_vector', dims: 4, similarity: 'cosine', index_options: { type: 'hnsw' } })
  })

  it('writes idempotently (the same version twice is one document) and keeps the newest version whatever the order', async () => {
    const { idx, counters } = open('wf-versions')
    await idx.start()
    const v = (version: number, title: string) => doc({ id: 'inc-7', version, title, updated_at: `2026-11-23T10:0${version}:00.000Z` })
    idx.write([v(2, 'second version')])
    expect(await idx.flush(10_000)).toBe(true)
    idx.write([v(2, 'second version')]) // a re-send (a replay, a retried batch)
    expect(await idx.flush(10_000)).toBe(true)
    expect((await client.count({ index: 'wf-versions' })).count).toBe(1)

    idx.write([v(5, 'fifth version')])
    expect(await idx.flush(10_000)).toBe(true)
    idx.write([v(3, 'third version, late')]) // an older version arriving after a newer one
    expect(await idx.flush(10_000)).toBe(true)
    const got = await client.get<IncidentDocument>({ index: 'wf-versions', id: 'inc-7' })
    expect(got._version).toBe(5)
    expect(got._source?.title).toBe('fifth version')
    expect(counters.sent).toBe(4) // the conflicts are successes: the index holds what it should
    expect(counters.droppedTotal).toBe(0)
    expect(idx.status()).toMatchObject({ status: 'ok', documents: 1, failed: 0 })
  })

  describe('similar incidents on a seeded history', () => {
    const history: IncidentDocument[] = []
    const add = (d: Partial<IncidentDocument> & { id: string }) => history.push(doc({ updated_at: '2026-11-20T10:00:00.000Z', ...d }))
    const closed = (disposition: string, by: string) => ({ status: 'closed', disposition, closed_by: by, closed_at: '2026-11-21T09:00:00.000Z' })

    // SSH brute force from one address against db-1: the pattern the first query repeats
    add({ id: 'ssh-1', title: 'SSH brute force against db-1 from 203.0.113.7', summary: 'Hundreds of failed SSH logons for root then a success', evidence: 'SSH brute force\nbrute_force', entities: ['source_ip=203.0.113.7', 'host=db-1', 'user=root'], ips: ['203.0.113.7'], hosts: ['db-1'], users: ['root'], rules: ['r-ssh-brute', 'r-success-after-fail'], techniques: ['T1110'], ...closed('true_positive', 'alice') })
    add({ id: 'ssh-2', title: 'SSH brute force against db-1 from 203.0.113.7', summary: 'Failed SSH logons for admin', evidence: 'SSH brute force', entities: ['source_ip=203.0.113.7', 'host=db-1', 'user=admin'], ips: ['203.0.113.7'], hosts: ['db-1'], users: ['admin'], rules: ['r-ssh-brute'], techniques: ['T1110'], ...closed('true_positive', 'alice') })
    add({ id: 'ssh-3', title: 'SSH brute force against web-4 from 203.0.113.7', summary: 'Failed SSH logons', evidence: 'SSH brute force', entities: ['source_ip=203.0.113.7', 'host=web-4'], ips: ['203.0.113.7'], hosts: ['web-4'], rules: ['r-ssh-brute'], techniques: ['T1110'], ...closed('true_positive', 'bob') })
    add({ id: 'ssh-4', title: 'SSH brute force against db-1 from 198.51.100.80', summary: 'Vulnerability scanner password audit', evidence: 'SSH brute force', entities: ['source_ip=198.51.100.80', 'host=db-1'], ips: ['198.51.100.80'], hosts: ['db-1'], rules: ['r-ssh-brute'], techniques: ['T1110'], ...closed('benign_positive', 'carol') })
    // credential dumping on workstations
    add({ id: 'cred-1', title: 'Mimikatz credential dumping on ws-12', summary: 'LSASS memory read by mimikatz.exe', evidence: 'Mimikatz command line\nLSASS access', entities: ['host=ws-12', 'user=bob'], hosts: ['ws-12'], users: ['bob'], rules: ['r-mimikatz', 'r-lsass-access'], techniques: ['T1003.001'], ...closed('true_positive', 'dave') })
    add({ id: 'cred-2', title: 'LSASS access by procdump on ws-40', summary: 'procdump wrote a dump of LSASS memory', evidence: 'LSASS access', entities: ['host=ws-40', 'user=erin'], hosts: ['ws-40'], users: ['erin'], rules: ['r-lsass-access'], techniques: ['T1003.001'], ...closed('false_positive', 'dave') })
    add({ id: 'cred-3', title: 'Mimikatz credential dumping on ws-15', summary: 'sekurlsa logonpasswords from a renamed mimikatz binary', evidence: 'Mimikatz command line', entities: ['host=ws-15', 'user=frank'], hosts: ['ws-15'], users: ['frank'], rules: ['r-mimikatz'], techniques: ['T1003.001'], status: 'in_progress', analyst: 'alice' })
    // phishing
    add({ id: 'phish-1', title: 'Office spawned PowerShell on ws-30', summary: 'WINWORD.EXE started an encoded PowerShell command after a mail attachment was opened', evidence: 'Office child process\nEncoded PowerShell', entities: ['host=ws-30', 'user=carol'], hosts: ['ws-30'], users: ['carol'], rules: ['r-office-child', 'r-encoded-ps'], techniques: ['T1566.001', 'T1059.001'], ...closed('true_positive', 'erin') })
    add({ id: 'phish-2', title: 'Office spawned cmd on ws-31', summary: 'EXCEL.EXE started cmd.exe', evidence: 'Office child process', entities: ['host=ws-31', 'user=gina'], hosts: ['ws-31'], users: ['gina'], rules: ['r-office-child'], techniques: ['T1566.001'], ...closed('true_positive', 'erin') })
    // port scans
    for (let i = 1; i <= 4; i++) {
      add({ id: `scan-${i}`, title: `Port scan from 198.51.100.${20 + i}`, summary: 'Connections to many ports of many hosts within a minute', evidence: 'Port scan', entities: [`source_ip=198.51.100.${20 + i}`], ips: [`198.51.100.${20 + i}`], rules: ['r-port-scan'], techniques: ['T1046'], ...closed(i % 2 === 0 ? 'benign_positive' : 'true_positive', 'bob') })
    }
    // unrelated noise
    const noise = ['DNS tunnelling suspected from ws-7', 'New service installed on dc-1', 'Scheduled task created by svc-backup', 'Impossible travel for henry', 'Large upload to file sharing site', 'Disabled Defender real-time protection', 'Kerberoasting of svc-sql', 'Cloud trail logging stopped', 'Suspicious WMI subscription', 'USB mass storage mounted on kiosk-2', 'Shadow copies deleted on fs-1', 'RDP from the internet to jump-1', 'Password spray against the VPN', 'Admin group membership changed', 'Beaconing to a rare domain', 'Unsigned driver loaded on ws-50']
    noise.forEach((title, i) => add({ id: `noise-${i}`, title, summary: `Analysis of case ${i}`, evidence: title, entities: [`host=other-${i}`], hosts: [`other-${i}`], rules: [`r-noise-${i}`], techniques: [`T9${i}`] }))

    let idx: ElasticsearchIndex
    beforeAll(async () => {
      idx = open('wf-similar').idx
      await idx.start()
      idx.write(history)
      expect(await idx.flush(30_000)).toBe(true)
    })

    it('seeded the whole history', () => {
      expect(history.length).toBe(29)
      expect(idx.status()).toMatchObject({ status: 'ok', documents: 29 })
    })

    it('ranks the brute-force incidents of the same address and host first, with what they share and how they were closed', async () => {
      const q = doc({ id: 'new-ssh', title: 'SSH brute force against db-1 from 203.0.113.7', summary: 'Failed SSH logons for root', evidence: 'SSH brute force', entities: ['source_ip=203.0.113.7', 'host=db-1', 'user=root'], rules: ['r-ssh-brute'], techniques: ['T1110'] })
      const got = await idx.similar(q, 5)
      expect(got.map((s) => s.id).slice(0, 4).sort()).toEqual(['ssh-1', 'ssh-2', 'ssh-3', 'ssh-4'])
      expect(got[0]!.id).toBe('ssh-1') // shares the address, the host and the user
      expect(got[0]).toMatchObject({ disposition: 'true_positive', closed_by: 'alice', closed_at: '2026-11-21T09:00:00.000Z', status: 'closed' })
      expect(got[0]!.reasons).toMatchObject({ entities: ['source_ip=203.0.113.7', 'host=db-1', 'user=root'], rules: ['r-ssh-brute'], techniques: ['T1110'] })
      expect(got[0]!.reasons.text).toEqual(expect.arrayContaining(['ssh', 'brute', 'force', 'db']))
      const ssh4 = got.find((s) => s.id === 'ssh-4')!
      expect(ssh4.reasons.entities).toEqual(['host=db-1'])
      expect(ssh4.disposition).toBe('benign_positive')
      expect(got.every((s, i) => i === 0 || s.score <= got[i - 1]!.score)).toBe(true)
    })

    it('finds credential dumping by the shared user and technique, and never returns the incident itself', async () => {
      const cred1 = history.find((d) => d.id === 'cred-1')!
      const got = await idx.similar(cred1, 5)
      expect(got.map((s) => s.id)).not.toContain('cred-1')
      expect(got.slice(0, 2).map((s) => s.id).sort()).toEqual(['cred-2', 'cred-3'])
      const cred3 = got.find((s) => s.id === 'cred-3')!
      expect(cred3.reasons).toMatchObject({ rules: ['r-mimikatz'], techniques: ['T1003.001'] })
      expect(cred3.reasons.text).toContain('mimikatz')
      expect(cred3).toMatchObject({ status: 'in_progress', disposition: null, closed_by: null })
    })

    it('finds incidents by text alone when nothing else is shared', async () => {
      const q = doc({ id: 'new-phish', title: 'Office spawned PowerShell after a mail attachment', summary: 'WINWORD.EXE started PowerShell', entities: ['host=ws-99'] })
      const got = await idx.similar(q, 3)
      expect(got[0]!.id).toBe('phish-1')
      expect(got[0]!.reasons).toMatchObject({ entities: [], rules: [], techniques: [] })
      expect(got[0]!.reasons.text).toEqual(expect.arrayContaining(['office', 'spawned', 'powershell']))
      expect(got.map((s) => s.id)).toContain('phish-2')
    })

    it('answers with nothing for an index that does not exist yet', async () => {
      const { idx: none } = open('wf-never-written')
      expect(await none.similar(doc({ id: 'x', title: 'anything' }), 5)).toEqual([])
    })
  })

  it('kNN takes part when the incidents have embeddings', async () => {
    const { idx } = open('wf-knn', undefined, { embeddingsModel: 'test-embeddings', embeddingDims: 3 })
    await idx.start()
    idx.write([doc({ id: 'near', title: 'alpha', embedding: [1, 0.1, 0] }), doc({ id: 'far', title: 'beta', embedding: [0, 0, 1] })])
    expect(await idx.flush(10_000)).toBe(true)
    const got = await idx.similar(doc({ id: 'q', title: 'gamma', embedding: [1, 0, 0] }), 1)
    expect(got.map((s) => s.id)).toEqual(['near'])
    expect(got[0]!.reasons.vector).toBeCloseTo(0.995, 2)
  })

  it('survives Elasticsearch stopped mid-run: degraded while down, then the versions written meanwhile are backfilled', async () => {
    // the store of record (ClickHouse in the topology): every version lands there, indexed or not
    const store = new Map<string, IncidentDocument>()
    const backfills: string[] = []
    const backfill: Backfill = async function* (since) {
      backfills.push(since)
      const rows = [...store.values()].filter((d) => d.updated_at >= since)
      for (let i = 0; i < rows.length; i += 4) yield rows.slice(i, i + 4)
    }
    const { idx, counters } = open('wf-outage', backfill)
    const write = (docs: IncidentDocument[]) => {
      for (const d of docs) store.set(d.id, d)
      idx.write(docs)
    }
    const minute = (m: number) => `2026-11-23T11:${String(m).padStart(2, '0')}:00.000Z`
    await idx.start()
    write(Array.from({ length: 10 }, (_, i) => doc({ id: `before-${i}`, title: `before ${i}`, updated_at: minute(i) })))
    expect(await idx.flush(10_000)).toBe(true)

    await node.stop()
    write([doc({ id: 'during-0', title: 'during 0', updated_at: minute(20) })])
    for (let t = Date.now(); idx.status().status === 'ok' && Date.now() - t < 10_000; ) await new Promise((r) => setTimeout(r, 50))
    expect(idx.status()).toMatchObject({ status: 'degraded', backfill_pending: true, queued: 0 })
    write(Array.from({ length: 8 }, (_, i) => doc({ id: `during-${i + 1}`, title: `during ${i + 1}`, updated_at: minute(21 + i) })))
    write([doc({ id: 'before-3', version: 2, title: 'before 3, changed while down', updated_at: minute(30) })])
    expect(idx.status().detail).toContain(`versions updated since ${minute(20)} will be backfilled`)
    await expect(idx.similar(doc({ id: 'q', title: 'during' }), 5)).rejects.toSatisfy((e: unknown) => e instanceof WatchfloorError && e.code === 'SEARCH_UNAVAILABLE')
    expect(await idx.flush(500)).toBe(false)

    await node.start()
    expect(await idx.flush(60_000)).toBe(true)
    // the first is the catch-up at start (the index was empty: everything the store has), then the outage's
    expect(backfills).toEqual(['1970-01-01T00:00:00.000Z', minute(20)])
    expect(idx.status()).toMatchObject({ status: 'ok', backfill_pending: false, queued: 0, documents: 19 })
    // a process starting on this index (after a crash while degraded, or Elasticsearch down across a
    // restart) catches up from the index's newest version, not from the beginning
    const again: string[] = []
    const { idx: next } = open('wf-outage', async function* (since) {
      again.push(since)
      yield [...store.values()].filter((d) => d.updated_at >= since)
    })
    await next.start()
    for (let t = Date.now(); again.length === 0 && Date.now() - t < 10_000; ) await new Promise((r) => setTimeout(r, 50))
    expect(await next.flush(10_000)).toBe(true)
    expect(again).toEqual([minute(30)])
    expect((await client.count({ index: 'wf-outage' })).count).toBe(19)
    const changed = await client.get<IncidentDocument>({ index: 'wf-outage', id: 'before-3' })
    expect(changed._source?.title).toBe('before 3, changed while down')
    // the versions let go of while down were counted as such, and nothing was refused
    expect(counters.dropped.get('search_unavailable')).toBe(10)
    expect(counters.dropped.get('sink_write_failed')).toBeUndefined()
    expect(node.rssMiB()).toBeGreaterThan(0)
  })
})
