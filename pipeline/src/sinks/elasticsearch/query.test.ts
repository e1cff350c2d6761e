import { describe, expect, it } from 'vitest'
import { incidentDocument as doc } from '../search/fixtures.js'
import { cosine, readSource, reasonsFor, shared, similarIncident, similarRequest, words } from './query.js'


const base = doc({
  id: 'inc-1',
  title: 'Brute force against db-1 from 203.0.113.7',
  summary: 'Many failed logons followed by a success',
  evidence: 'Failed logon burst\nbrute_force',
  entities: ['source_ip=203.0.113.7', 'host=db-1', 'user=alice'],
  rules: ['r-brute', 'r-success-after-fail'],
  techniques: ['T1110'],
})

describe('the similar-incidents request', () => {
  it('combines more_like_this on the text, one clause per shared value, and excludes the incident itself', () => {
    const r = similarRequest('wf', base, 5)
    expect(r.index).toBe('wf')
    expect(r.size).toBe(5)
    const bool = r.query!.bool!
    expect(bool.must_not).toEqual([{ ids: { values: ['inc-1'] } }])
    expect(bool.minimum_should_match).toBe(1)
    const should = bool.should as Array<Record<string, any>>
    const mlt = should[0]!.more_like_this
    expect(mlt).toMatchObject({ fields: ['title', 'summary', 'evidence'], min_term_freq: 1, min_doc_freq: 1 })
    expect(mlt.like).toBe('Brute force against db-1 from 203.0.113.7\nMany failed logons followed by a success\nFailed logon burst\nbrute_force')
    const terms = should.slice(1).map((c) => c.bool.should.map((t: Record<string, Record<string, { value: string }>>) => Object.entries(t.term!).map(([f, v]) => `${f}:${v.value}`)[0]))
    expect(terms).toEqual([
      ['entities:source_ip=203.0.113.7', 'entities:host=db-1', 'entities:user=alice'],
      ['rules:r-brute', 'rules:r-success-after-fail'],
      ['techniques:T1110'],
    ])
    expect(r.knn).toBeUndefined()
    expect(r._source).not.toContain('embedding')
  })

  it('leaves words common to more than 5% of a large history out of more_like_this, and keeps every word of a small one', () => {
    const mlt = (documents?: number) => (similarRequest('wf', base, 5, documents).query!.bool!.should as Array<Record<string, any>>)[0]!.more_like_this
    expect(mlt(undefined).max_doc_freq).toBeUndefined()
    expect(mlt(29).max_doc_freq).toBe(100)
    expect(mlt(100_000).max_doc_freq).toBe(5000)
  })

  it('adds a kNN clause on the embedding, without the incident itself, when the document has one', () => {
    const r = similarRequest('wf', { ...base, embedding: [0.1, 0.2, 0.3] }, 3)
    expect(r.knn).toMatchObject({ field: 'embedding', query_vector: [0.1, 0.2, 0.3], k: 3, filter: { bool: { must_not: [{ ids: { values: ['inc-1'] } }] } } })
    expect(r._source).toContain('embedding')
  })

  it('matches nothing for an incident with neither text nor values, instead of everything', () => {
    const r = similarRequest('wf', doc({ id: 'empty' }), 5)
    expect(r.query!.bool!.should).toEqual([{ match_none: {} }])
  })
})

describe('why a hit is similar', () => {
  const hit = doc({
    id: 'inc-2',
    title: 'Brute force against db-1',
    summary: 'failed logons',
    entities: ['host=db-1', 'user=bob', 'source_ip=203.0.113.7'],
    rules: ['r-brute'],
    techniques: ['T1110', 'T1078'],
  })

  it('lists the entities, rules and techniques both have, in the queried incident\'s order', () => {
    const r = reasonsFor(base, hit)
    expect(r.entities).toEqual(['source_ip=203.0.113.7', 'host=db-1'])
    expect(r.rules).toEqual(['r-brute'])
    expect(r.techniques).toEqual(['T1110'])
    expect(shared(['a', 'b', 'a'], ['a'])).toEqual(['a'])
  })

  it('gives as text reasons the words both texts have, cut as the standard analyzer cuts them, without stop words', () => {
    // 'against' is not a stop word, 'a' is; db-1 is two tokens, an address one
    expect(reasonsFor(base, hit).text).toEqual(['brute', 'force', 'against', 'db', 'failed', 'logons'])
    expect(words('The Quick, quick FOX ran cmd.exe from 203.0.113.7.')).toEqual(['quick', 'quick', 'fox', 'ran', 'cmd.exe', 'from', '203.0.113.7'])
    expect(reasonsFor(base, { ...hit, title: '', summary: '', evidence: '' }).text).toEqual([])
  })

  it('gives the cosine similarity when both have an embedding', () => {
    expect(reasonsFor({ ...base, embedding: [1, 0] }, { ...hit, embedding: [1, 1] }).vector).toBeCloseTo(0.707, 3)
    expect(reasonsFor(base, hit).vector).toBeUndefined()
    expect(cosine([1, 2], [1])).toBeUndefined()
    expect(cosine([0, 0], [1, 1])).toBeUndefined()
  })

  it('builds the answer from a hit, with how the hit was resolved, and reads a partial source without crashing', () => {
    const closed = { ...hit, status: 'closed', disposition: 'false_positive', closed_by: 'carol', closed_at: '2026-11-20T09:00:00.000Z' }
    const s = similarIncident(base, { _index: 'wf', _id: 'inc-2', _score: 12.34567, _source: closed })
    expect(s).toMatchObject({ id: 'inc-2', score: 12.346, title: 'Brute force against db-1', status: 'closed', disposition: 'false_positive', closed_by: 'carol', closed_at: '2026-11-20T09:00:00.000Z' })
    expect(readSource({ title: 'x', entities: ['a', 3] })).toMatchObject({ id: '', title: 'x', entities: ['a'], rules: [], disposition: null })
    expect(readSource('nope')).toBeUndefined()
    expect(similarIncident(base, { _index: 'wf', _id: 'x' })).toBeUndefined()
  })
})
