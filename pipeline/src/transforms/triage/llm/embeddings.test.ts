/**
 * Embeddings over real HTTP against test/support/openai-fake.ts, which stands in for a hosted
 * OpenAI-compatible /v1/embeddings endpoint.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { fakeEmbedding, OpenAIFake, type EmbeddingsBody } from '../../../../../test/support/openai-fake.js'
import { loadConfig } from '../../../config/load.js'
import { LlmCallError } from './client.js'
import { Embedder } from './embeddings.js'

let fake: OpenAIFake
beforeEach(async () => {
  fake = await OpenAIFake.start({ embeddingDims: 16 })
})
afterEach(async () => {
  await fake.close()
})

const config = (env: Record<string, string> = {}) => loadConfig({ env: { OPENAI_BASE_URL: fake.baseUrl, OPENAI_EMBEDDINGS_MODEL: 'fake-embed', EMBEDDING_DIMS: '16', ...env } })

describe('Embedder', () => {
  it('is off without an embeddings model or without an endpoint', () => {
    expect(Embedder.fromConfig(config({ OPENAI_EMBEDDINGS_MODEL: '' }))).toBeUndefined()
    expect(Embedder.fromConfig(loadConfig({ env: { OPENAI_EMBEDDINGS_MODEL: 'fake-embed' } }))).toBeUndefined()
    expect(Embedder.fromConfig(config())).toBeInstanceOf(Embedder)
  })

  it('embeds in batches, one vector per text in order, as floats', async () => {
    const e = Embedder.fromConfig(config(), { batchSize: 4 })!
    const texts = Array.from({ length: 10 }, (_, i) => `incident ${i}: SSH brute force`)
    const vectors = await e.embed(texts)
    expect(vectors).toHaveLength(10)
    vectors.forEach((v, i) => expect(v).toEqual(fakeEmbedding(texts[i]!, 16).map((x) => expect.closeTo(x, 6))))
    const sent = fake.requests.map((r) => r.body as EmbeddingsBody)
    expect(sent.map((b) => (b.input as string[]).length)).toEqual([4, 4, 2])
    expect(sent.every((b) => b.model === 'fake-embed' && b.encoding_format === 'float')).toBe(true)
    expect(e.counts.texts).toBe(10)
    expect(e.counts.tokens).toBeGreaterThan(0)
  })

  it('retries a 5xx with backoff, and fails with LLM_UNAVAILABLE after LLM_MAX_RETRIES', async () => {
    fake.replyEmbeddings({ kind: 'error', status: 503 })
    const e = Embedder.fromConfig(config({ LLM_MAX_RETRIES: '1' }), { backoffMs: 10 })!
    expect(await e.embed(['a'])).toHaveLength(1)
    expect(fake.requests).toHaveLength(2)

    fake.replyEmbeddings({ kind: 'error', status: 500 }, { kind: 'error', status: 500 })
    const err = await e.embed(['b']).catch((x: unknown) => x)
    expect(err).toBeInstanceOf(LlmCallError)
    expect(err).toMatchObject({ code: 'LLM_UNAVAILABLE', kind: 'server_error', canRetry: true })
  })

  it('refuses vectors of another size than EMBEDDING_DIMS (the index mapping would)', async () => {
    const e = Embedder.fromConfig(config({ EMBEDDING_DIMS: '384' }))!
    await expect(e.embed(['x'])).rejects.toThrow(/returned 16 dimensions for text 0, EMBEDDING_DIMS is 384/)
  })
})
