/** kNN through the embeddings: documents alike in meaning but not in words are found; an embedder failure only leaves the vector out. */
import { describe, expect, it } from 'vitest'
import { ComponentCounters } from '../../telemetry/counters.js'
import { LocalIncidentIndex } from './local.js'
import { incidentDocument } from './fixtures.js'
import type { IncidentDocument } from './types.js'
import { VectorIndex, type TextEmbedder } from './vectors.js'

const doc = (id: string, title: string): IncidentDocument => incidentDocument({ id, title })

/** A toy embedding: credential theft vs network noise, by a few words that mean the same. */
const embedder = (fail = false): TextEmbedder => ({
  async embed(texts) {
    if (fail) throw new Error('embeddings endpoint down')
    return texts.map((t) => (/lsass|mimikatz|credential|password dump/i.test(t) ? [1, 0] : [0, 1]))
  },
})

describe('VectorIndex', () => {
  it('finds an incident alike in meaning though it shares no word, and says how alike', async () => {
    const counters = new ComponentCounters('embeddings', 'transform')
    const index = new VectorIndex(new LocalIncidentIndex(), embedder(), counters)
    index.write([doc('a', 'Mimikatz run on finance laptop'), doc('b', 'Port scan of the DMZ'), doc('c', 'Printer offline')])
    expect(await index.flush(5000)).toBe(true)
    const [top] = await index.similar(doc('q', 'LSASS memory read by rundll32'), 1)
    expect(top).toMatchObject({ id: 'a', reasons: { vector: 1 } })
    expect(counters.sent).toBe(3)
  })

  it('indexes without the vector when the embeddings endpoint fails, and counts it', async () => {
    const counters = new ComponentCounters('embeddings', 'transform')
    const index = new VectorIndex(new LocalIncidentIndex(), embedder(true), counters)
    index.write([doc('a', 'Port scan of the DMZ')])
    await index.flush(5000)
    expect((await index.similar(doc('q', 'Port scan of the DMZ again'), 1))[0]?.id).toBe('a')
    expect(counters.dropped.get('llm_unavailable')).toBe(2)
  })
})
