/**
 * The similar-incidents search as pure functions: the request for one incident document and
 * the answer built from each hit (why it is similar, how it was resolved). Kept apart from the
 * sink so it is tested without a node.
 */
import type { estypes } from '@elastic/elasticsearch'
import type { IncidentDocument, SimilarIncident, SimilarityReasons } from '../search/types.js'

/** Lucene's English stop words: the standard analyzer keeps them, and they say nothing about an incident. */
export const STOP_WORDS: readonly string[] = [
  'a', 'an', 'and', 'are', 'as', 'at', 'be', 'but', 'by', 'for', 'if', 'in', 'into', 'is', 'it', 'no', 'not',
  'of', 'on', 'or', 'such', 'that', 'the', 'their', 'then', 'there', 'these', 'they', 'this', 'to', 'was', 'will', 'with',
]
const STOP = new Set(STOP_WORDS)

/** How much each kind of overlap weighs against the text's more_like_this score. */
export const BOOSTS = { text: 1, entities: 3, rules: 2, techniques: 1, knn: 5 } as const
/** Most values of one kind put in the query (an incident with hundreds of entities stays cheap to query). */
const MAX_TERMS = 64

const TEXT_FIELDS = ['title', 'summary', 'evidence'] as const

/** The fields a hit needs to become a `SimilarIncident`. */
const SOURCE_FIELDS = ['id', 'title', 'summary', 'evidence', 'severity', 'status', 'disposition', 'closed_by', 'closed_at', 'last_seen', 'entities', 'rules', 'techniques'] as const
export type HitSource = Pick<IncidentDocument, (typeof SOURCE_FIELDS)[number]> & { embedding?: number[] }

/**
 * One clause per shared value (not one `terms` clause): a `terms` query scores a constant
 * whatever the number of values it matched, and sharing three entities should count more than
 * sharing one. Each `term` is weighted by its IDF, so a rare shared value (an attacker's address)
 * counts more than a common one (the domain controller).
 */
function overlap(field: 'entities' | 'rules' | 'techniques', values: readonly string[], boost: number): estypes.QueryDslQueryContainer | undefined {
  const unique = [...new Set(values)].slice(0, MAX_TERMS)
  if (unique.length === 0) return undefined
  return { bool: { should: unique.map((value) => ({ term: { [field]: { value } } })), boost } }
}

/** The text `more_like_this` is given: the document's own words (it need not be indexed yet). */
export function likeText(doc: Pick<IncidentDocument, 'title' | 'summary' | 'evidence'>): string {
  return TEXT_FIELDS.map((f) => doc[f]).filter((t) => t.trim() !== '').join('\n')
}

/**
 * Words in more than this share of the indexed incidents are left out of more_like_this: they say
 * little about similarity (low IDF) and cost the most (long postings): on 100k synthetic
 * incidents the median search went from 58 to 10 ms. Never below 100 incidents, so a small
 * history keeps every word.
 */
export const COMMON_WORD_SHARE = 0.05

export function maxDocFreq(documents: number | undefined): number | undefined {
  return documents === undefined ? undefined : Math.max(100, Math.floor(documents * COMMON_WORD_SHARE))
}

/** The search for the `limit` incidents most like `doc`; `documents` is how many the index holds (when known). */
export function similarRequest(index: string, doc: IncidentDocument, limit: number, documents?: number): estypes.SearchRequest {
  const should: estypes.QueryDslQueryContainer[] = []
  const like = likeText(doc)
  if (like !== '') {
    should.push({
      more_like_this: {
        fields: [...TEXT_FIELDS],
        like,
        min_term_freq: 1,
        min_doc_freq: 1,
        max_query_terms: 25,
        minimum_should_match: '30%',
        stop_words: [...STOP_WORDS],
        boost: BOOSTS.text,
      },
    })
    const cap = maxDocFreq(documents)
    if (cap !== undefined) should[0]!.more_like_this!.max_doc_freq = cap
  }
  for (const clause of [overlap('entities', doc.entities, BOOSTS.entities), overlap('rules', doc.rules, BOOSTS.rules), overlap('techniques', doc.techniques, BOOSTS.techniques)]) {
    if (clause !== undefined) should.push(clause)
  }
  const notItself: estypes.QueryDslQueryContainer[] = [{ ids: { values: [doc.id] } }]
  const embedding = doc.embedding !== undefined && doc.embedding.length > 0 ? doc.embedding : undefined
  const request: estypes.SearchRequest = {
    index,
    size: limit,
    track_total_hits: false,
    // an incident with neither text nor overlaps matches nothing rather than everything
    query: { bool: { should: should.length > 0 ? should : [{ match_none: {} }], minimum_should_match: 1, must_not: notItself } },
    _source: embedding === undefined ? [...SOURCE_FIELDS] : [...SOURCE_FIELDS, 'embedding'],
  }
  if (embedding !== undefined) {
    // scores add up: a hit found by both the query and kNN ranks above one found by either
    request.knn = { field: 'embedding', query_vector: embedding, k: limit, num_candidates: Math.max(50, limit * 10), filter: { bool: { must_not: notItself } }, boost: BOOSTS.knn }
  }
  return request
}

/** The values of `ours` that `theirs` has too, in our order. */
export function shared(ours: readonly string[], theirs: readonly string[]): string[] {
  const set = new Set(theirs)
  return [...new Set(ours.filter((v) => set.has(v)))]
}

/**
 * Lower-case words as the standard analyzer cuts them, near enough to explain a match: split on
 * everything but letters, digits, `_` and the `.`/`'` that join two of them (`203.0.113.7`,
 * `cmd.exe` stay whole), without stop words and one-character tokens.
 */
export function words(s: string): string[] {
  return s
    .toLowerCase()
    .split(/[^\p{L}\p{N}_.']+/u)
    .map((w) => w.replace(/^[.']+|[.']+$/gu, ''))
    .filter((w) => w.length > 1 && !STOP.has(w))
}

export function cosine(a: readonly number[], b: readonly number[]): number | undefined {
  if (a.length === 0 || a.length !== b.length) return undefined
  let dot = 0
  let na = 0
  let nb = 0
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!
    const y = b[i]!
    dot += x * y
    na += x * x
    nb += y * y
  }
  return na === 0 || nb === 0 ? undefined : dot / Math.sqrt(na * nb)
}

const MAX_TEXT_REASONS = 12

/**
 * Why a hit is like the queried incident: the values both have, and the words both texts have.
 * The words are computed here rather than taken from highlighting: the highlighter re-runs
 * more_like_this against the one hit and misses terms the search matched (measured on 8.19: the
 * first words of a title were never marked), and it would add to every search's latency.
 */
export function reasonsFor(doc: IncidentDocument, hit: HitSource): SimilarityReasons {
  const theirs = new Set(words(likeText(hit)))
  const reasons: SimilarityReasons = {
    entities: shared(doc.entities, hit.entities),
    rules: shared(doc.rules, hit.rules),
    techniques: shared(doc.techniques, hit.techniques),
    text: [...new Set(words(likeText(doc)))].filter((w) => theirs.has(w)).slice(0, MAX_TEXT_REASONS),
  }
  const vector = doc.embedding !== undefined && hit.embedding !== undefined ? cosine(doc.embedding, hit.embedding) : undefined
  if (vector !== undefined) reasons.vector = Math.round(vector * 1000) / 1000
  return reasons
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '')
const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null)
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [])

/**
 * A hit's `_source` read field by field: it crossed the network, and an index written by another
 * version (or by hand) may lack a field; a missing one reads as empty, never as a crash.
 */
export function readSource(raw: unknown): HitSource | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined
  const r = raw as Record<string, unknown>
  const src: HitSource = {
    id: str(r.id),
    title: str(r.title),
    summary: str(r.summary),
    evidence: str(r.evidence),
    severity: str(r.severity),
    status: str(r.status),
    disposition: strOrNull(r.disposition),
    closed_by: strOrNull(r.closed_by),
    closed_at: strOrNull(r.closed_at),
    last_seen: str(r.last_seen),
    entities: strs(r.entities),
    rules: strs(r.rules),
    techniques: strs(r.techniques),
  }
  const e: unknown = r.embedding
  if (Array.isArray(e) && e.every((x): x is number => typeof x === 'number')) src.embedding = e
  return src
}

/** A search hit as the API shows it. */
export function similarIncident(doc: IncidentDocument, hit: estypes.SearchHit<unknown>): SimilarIncident | undefined {
  const src = readSource(hit._source)
  if (src === undefined) return undefined
  return {
    id: src.id !== '' ? src.id : (hit._id ?? ''),
    score: Math.round((hit._score ?? 0) * 1000) / 1000,
    title: src.title,
    severity: src.severity,
    status: src.status,
    reasons: reasonsFor(doc, src),
    disposition: src.disposition,
    closed_by: src.closed_by,
    closed_at: src.closed_at,
    last_seen: src.last_seen,
  }
}
