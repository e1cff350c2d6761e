import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../config/load.js'
import { incidentMappings, incidentTemplate, templateOptions } from './template.js'

const types = (m: ReturnType<typeof incidentMappings>) => Object.fromEntries(Object.entries(m.properties ?? {}).map(([k, v]) => [k, v.type]))

describe('the incidents index template', () => {
  it('is named after the index, matches only it, and declares every field with its type', () => {
    const t = incidentTemplate({ index: 'wf-incidents', embeddingDims: undefined })
    expect(t.name).toBe('wf-incidents')
    expect(t.index_patterns).toEqual(['wf-incidents'])
    const m = t.template!.mappings!
    expect(m.dynamic).toBe('strict')
    expect(types(m)).toEqual({
      id: 'keyword',
      version: 'long',
      title: 'text',
      summary: 'text',
      evidence: 'text',
      status: 'keyword',
      severity: 'keyword',
      risk_score: 'integer',
      disposition: 'keyword',
      closed_by: 'keyword',
      closed_at: 'date',
      analyst: 'keyword',
      entities: 'keyword',
      ips: 'ip',
      users: 'keyword',
      hosts: 'keyword',
      rules: 'keyword',
      techniques: 'keyword',
      tactics: 'keyword',
      threat_type: 'keyword',
      first_seen: 'date',
      last_seen: 'date',
      updated_at: 'date',
    })
    for (const f of ['title', 'summary', 'evidence']) expect(m.properties![f]).toMatchObject({ analyzer: 'standard' })
  })

  it('has the embedding as a cosine dense_vector of the configured dimensions only when an embeddings model is set', () => {
    const off = loadConfig({ env: {}, overrides: { search: { elasticsearchUrl: 'http://127.0.0.1:9200' } } })
    expect(templateOptions(off.search).embeddingDims).toBeUndefined()
    expect(incidentMappings(undefined).properties!.embedding).toBeUndefined()

    const on = loadConfig({ env: {}, overrides: { search: { elasticsearchUrl: 'http://127.0.0.1:9200', embeddingsModel: 'text-embedding-3-small', embeddingDims: 256 } } })
    const opts = templateOptions(on.search)
    expect(opts).toEqual({ index: 'watchfloor-incidents', embeddingDims: 256, shards: 1, replicas: '0-1' })
    expect(incidentTemplate(opts).template!.mappings!.properties!.embedding).toEqual({
      type: 'dense_vector',
      dims: 256,
      index: true,
      similarity: 'cosine',
      index_options: { type: 'hnsw', m: 16, ef_construction: 100 },
    })
  })

  it('takes its shards and replicas from the configuration: a count, or an auto-expand range by default', () => {
    const settings = (env: Record<string, string>) => incidentTemplate(templateOptions(loadConfig({ env }).search)).template!.settings
    expect(settings({})).toMatchObject({ number_of_shards: 1, auto_expand_replicas: '0-1' })
    expect(settings({ ELASTICSEARCH_SHARDS: '3', ELASTICSEARCH_REPLICAS: '2' })).toMatchObject({ number_of_shards: 3, number_of_replicas: 2, auto_expand_replicas: 'false' })
    expect(settings({ ELASTICSEARCH_REPLICAS: '1-all' })).toMatchObject({ auto_expand_replicas: '1-all' })
    expect(() => loadConfig({ env: { ELASTICSEARCH_REPLICAS: 'two' } })).toThrow(/ELASTICSEARCH_REPLICAS/)
  })

  it('reads ClickHouse-style and ISO times in its date fields', () => {
    const format = (incidentMappings(undefined).properties!.updated_at as { format?: string }).format ?? ''
    expect(format.split('||')).toEqual(expect.arrayContaining(['strict_date_optional_time', 'yyyy-MM-dd HH:mm:ss.SSS']))
  })
})
