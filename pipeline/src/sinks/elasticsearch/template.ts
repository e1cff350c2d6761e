/**
 * The incidents index's template: explicit mappings for every field of `IncidentDocument`, so
 * the index never guesses a type from the first value it sees. Only the standard analyzer is
 * used (stemmers and ngrams live in analysis-common, which a plain node does not have), and the
 * `dense_vector` field exists only when embeddings are configured.
 */
import type { estypes } from '@elastic/elasticsearch'
import type { Config } from '../../config/schema.js'
import type { IncidentDocument } from '../search/types.js'

/** Bumped whenever the mappings or settings change (kept in the template's `version` and `_meta`). */
export const TEMPLATE_VERSION = 1

const keyword: estypes.MappingKeywordProperty = { type: 'keyword', ignore_above: 1024 }
const text: estypes.MappingTextProperty = { type: 'text', analyzer: 'standard' }
// ClickHouse renders DateTime64 as `2026-11-23 10:00:00.000`; the pipeline's own times are ISO 8601.
const date: estypes.MappingDateProperty = { type: 'date', format: 'strict_date_optional_time||yyyy-MM-dd HH:mm:ss.SSS||yyyy-MM-dd HH:mm:ss||epoch_millis' }

/**
 * One mapping per document field. The `satisfies` clause makes a field added to
 * `IncidentDocument` without a mapping (or a mapping left for a removed field) a compile error,
 * which `dynamic: strict` would otherwise only report as rejected writes.
 */
const PROPERTIES = {
  id: keyword,
  version: { type: 'long' },
  title: text,
  summary: text,
  evidence: text,
  status: keyword,
  severity: keyword,
  risk_score: { type: 'integer' },
  disposition: keyword,
  closed_by: keyword,
  closed_at: date,
  analyst: keyword,
  entities: keyword,
  // an address the normalizer let through but Elasticsearch cannot parse costs that value, not the document
  ips: { type: 'ip', ignore_malformed: true },
  users: keyword,
  hosts: keyword,
  rules: keyword,
  techniques: keyword,
  tactics: keyword,
  threat_type: keyword,
  first_seen: date,
  last_seen: date,
  updated_at: date,
} satisfies Record<Exclude<keyof IncidentDocument, 'embedding'>, estypes.MappingProperty>

export interface TemplateOptions {
  /** The index name (`ELASTICSEARCH_INDEX`); the template has the same name and matches only it. */
  index: string
  /** Dimensions of the `embedding` field, or undefined when no embeddings model is configured. */
  embeddingDims: number | undefined
  /** Primary shards (at index creation) and replicas: a count, or an auto-expand range (`0-1`). */
  shards?: number
  replicas?: string
}

/** The template options of the validated search config. */
export function templateOptions(search: Readonly<Config['search']>): TemplateOptions {
  return { index: search.index, embeddingDims: search.embeddingsModel === '' ? undefined : search.embeddingDims, shards: search.shards, replicas: search.replicas }
}

export function incidentMappings(embeddingDims: number | undefined): estypes.MappingTypeMapping {
  const properties: Record<string, estypes.MappingProperty> = { ...PROPERTIES }
  if (embeddingDims !== undefined) {
    // hnsw on float vectors: the default int8_hnsw quantizes at index time and bulk-loads 2-5x slower here
    properties.embedding = { type: 'dense_vector', dims: embeddingDims, index: true, similarity: 'cosine', index_options: { type: 'hnsw', m: 16, ef_construction: 100 } }
  }
  // strict: a document with a field the mappings do not name is refused (and counted), never indexed half-typed
  return { dynamic: 'strict', _meta: { managed_by: 'watchfloor', template_version: TEMPLATE_VERSION }, properties }
}

function replicaSettings(replicas: string): { auto_expand_replicas: string } | { number_of_replicas: number; auto_expand_replicas: string } {
  // 'false' turns auto-expansion off (Elasticsearch takes the string), so the count holds
  return replicas.includes('-') ? { auto_expand_replicas: replicas } : { number_of_replicas: Number(replicas), auto_expand_replicas: 'false' }
}

export function incidentTemplate(opts: TemplateOptions): estypes.IndicesPutIndexTemplateRequest {
  return {
    name: opts.index,
    index_patterns: [opts.index],
    // above the stack's built-in templates (priority 100 and below), so none of them shadows it
    priority: 200,
    version: TEMPLATE_VERSION,
    _meta: { managed_by: 'watchfloor', description: 'Watchfloor incidents for similar-incident search' },
    template: {
      settings: {
        // one shard by default: MLT and BM25 statistics over the whole history, and incidents are few (millions at most)
        number_of_shards: opts.shards ?? 1,
        // by default a replica wherever there is a second node (green on a single node); a plain number fixes it
        ...replicaSettings(opts.replicas ?? '0-1'),
        refresh_interval: '1s',
      },
      mappings: incidentMappings(opts.embeddingDims),
    },
  }
}
