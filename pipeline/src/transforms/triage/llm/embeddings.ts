/**
 * Embeddings for kNN similarity from the same OpenAI-compatible endpoint as the LLM triager
 * (`/v1/embeddings`, OPENAI_EMBEDDINGS_MODEL), through the same client: the same retries with
 * backoff on 429/5xx, the same timeout per request, its own concurrency slots (indexing must not
 * wait behind triage). Texts are sent in batches; each vector is checked against EMBEDDING_DIMS,
 * the size of the index's `dense_vector`.
 */
import type { Config } from '../../../config/schema.js'
import { LlmCallError, LlmClient } from './client.js'

export interface EmbedderOptions {
  /** Texts per request. */
  batchSize?: number
  /** Longest text sent, in characters (models have an input limit; the head of a document carries its subject). */
  maxChars?: number
  /** First backoff when a 429/5xx has no Retry-After, ms. */
  backoffMs?: number
}

export class Embedder {
  readonly model: string
  readonly dims: number
  private readonly client: LlmClient
  private readonly batchSize: number
  private readonly maxChars: number
  readonly counts = { texts: 0, tokens: 0 }

  /** The configured embedder, or undefined when no embeddings model or no endpoint is configured. */
  static fromConfig(config: Pick<Config, 'llm' | 'search'>, options: EmbedderOptions = {}): Embedder | undefined {
    if (config.search.embeddingsModel === '') return undefined
    if (config.llm.baseUrl === undefined && config.llm.apiKey === '') return undefined
    return new Embedder(config, options)
  }

  constructor(config: Pick<Config, 'llm' | 'search'>, options: EmbedderOptions = {}) {
    this.model = config.search.embeddingsModel
    this.dims = config.search.embeddingDims
    this.batchSize = options.batchSize ?? 64
    this.maxChars = options.maxChars ?? 8000
    this.client = new LlmClient({
      baseUrl: config.llm.baseUrl,
      apiKey: config.llm.apiKey,
      timeoutMs: config.llm.timeoutMs,
      maxRetries: config.llm.maxRetries,
      concurrency: config.llm.concurrency,
      ...(options.backoffMs === undefined ? {} : { backoffMs: options.backoffMs }),
    })
  }

  /** Requests sent (each retry counted). */
  get requests(): number {
    return this.client.counts.requests
  }

  /**
   * One vector per text, in order. Throws LLM_UNAVAILABLE (`LlmCallError`, with its kind) when a
   * batch fails after the retries or a vector has the wrong size; the caller indexes without one.
   */
  async embed(texts: readonly string[]): Promise<number[][]> {
    const out: number[][] = []
    for (let i = 0; i < texts.length; i += this.batchSize) {
      // an empty input is refused by OpenAI; one space embeds as "nothing"
      const batch = texts.slice(i, i + this.batchSize).map((t) => (t.length === 0 ? ' ' : t.slice(0, this.maxChars)))
      const { vectors, tokens } = await this.client.exchange((deadline) => this.client.embeddings(this.model, batch, deadline))
      for (const [j, v] of vectors.entries()) {
        if (v.length !== this.dims) throw new LlmCallError('refused', `${this.model} returned ${v.length} dimensions for text ${i + j}, EMBEDDING_DIMS is ${this.dims}`)
      }
      this.counts.texts += batch.length
      this.counts.tokens += tokens
      out.push(...vectors)
    }
    return out
  }
}
