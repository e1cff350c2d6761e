/**
 * kNN for similar incidents: with an embeddings endpoint configured (OPENAI_EMBEDDINGS_MODEL),
 * every incident version is embedded (title, analysis, evidence) before it reaches the index, and
 * the incident asked about is embedded before the query, so either backend adds the vectors'
 * cosine to its score. Embedding never holds up the stream (versions wait in a bounded queue) and
 * a failure only leaves the vector out: the version is indexed without it, and counted.
 */
import type { ComponentCounters } from '../../telemetry/counters.js'
import type { IncidentDocument, IncidentIndex, SearchStatus, SimilarIncident } from './types.js'

/** What embeds texts (the OpenAI-compatible `/v1/embeddings` client). */
export interface TextEmbedder {
  embed(texts: readonly string[]): Promise<number[][]>
}

export const embeddingText = (d: IncidentDocument): string => `${d.title}\n${d.summary}\n${d.evidence}`

export class VectorIndex implements IncidentIndex {
  private readonly queue: IncidentDocument[] = []
  private running: Promise<void> | undefined

  constructor(
    private readonly inner: IncidentIndex,
    private readonly embedder: TextEmbedder,
    private readonly counters: ComponentCounters,
    private readonly batch = 64,
  ) {}

  get backend(): SearchStatus['backend'] {
    return this.inner.backend
  }

  start(): Promise<void> {
    return this.inner.start()
  }

  write(docs: readonly IncidentDocument[]): void {
    this.queue.push(...docs)
    this.running ??= this.drain().finally(() => (this.running = undefined))
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const docs = this.queue.splice(0, this.batch)
      this.counters.received += docs.length
      try {
        const vectors = await this.embedder.embed(docs.map(embeddingText))
        this.inner.write(docs.map((d, i) => ({ ...d, embedding: vectors[i]! })))
        this.counters.sent += docs.length
      } catch {
        this.counters.drop('llm_unavailable', docs.length)
        this.inner.write(docs)
      }
    }
  }

  async similar(doc: IncidentDocument, limit: number): Promise<SimilarIncident[]> {
    let query = doc
    try {
      const [v] = await this.embedder.embed([embeddingText(doc)])
      if (v) query = { ...doc, embedding: v }
    } catch {
      this.counters.drop('llm_unavailable')
    }
    return this.inner.similar(query, limit)
  }

  status(): SearchStatus {
    const s = this.inner.status()
    return { ...s, queued: s.queued + this.queue.length }
  }

  async flush(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    while (this.running && Date.now() < deadline) await Promise.race([this.running, new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())))])
    return this.inner.flush(Math.max(0, deadline - Date.now()))
  }

  close(): Promise<void> {
    return this.inner.close()
  }
}
