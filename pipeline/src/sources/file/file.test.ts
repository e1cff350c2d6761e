/** The file source delivers every record once, in numbered batches, with ids fixed by input and record number. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { IngestOutcome, IngestRequest, SourceOutput } from '../types.js'
import { FileSource, fileRecordId } from './file.js'

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wf-file-source-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

/** An output that keeps what it was given and answers like the pipeline would. */
function collecting(): SourceOutput & { requests: IngestRequest[] } {
  const requests: IngestRequest[] = []
  return {
    requests,
    stopping: false,
    async ingest(req): Promise<IngestOutcome> {
      requests.push(req)
      await new Promise((r) => setTimeout(r, Math.random() * 5)) // batches finish out of order
      const ids = (req.records ?? []).map((r) => r.id)
      return { accepted: ids.length, rejected: 0, ids, errors: [] }
    },
    async deadLetters() {},
  }
}

describe('FileSource', () => {
  const ndjson = path.join(tmp, 'a.ndjson')
  writeFileSync(ndjson, Array.from({ length: 7 }, (_, i) => JSON.stringify({ n: i })).join('\n') + '\n')
  const csv = path.join(tmp, 'b.csv')
  writeFileSync(csv, 'src_ip,user\n203.0.113.7,root\n198.51.100.2,alice\n')

  it('delivers every record in numbered batches, with ids from input and record number', async () => {
    const out = collecting()
    const done: number[] = []
    const source = new FileSource([ndjson, csv], { batchRecords: 3, inFlight: 3, progress: (d) => done.push(d) })
    await source.start(out)
    expect(out.requests.map((r) => r.requestId).sort()).toEqual(['file/0', 'file/1', 'file/2'])
    const all = out.requests.sort((a, b) => a.requestId.localeCompare(b.requestId)).flatMap((r) => r.records ?? [])
    expect(all).toHaveLength(9)
    expect(all[0]).toEqual({ kind: 'json', raw: '{"n":0}', id: fileRecordId(ndjson, 1) })
    expect(all[8]).toMatchObject({ kind: 'csv', cells: { src_ip: '198.51.100.2', user: 'alice' }, id: fileRecordId(csv, 2) })
    expect(new Set(all.map((r) => r.id)).size).toBe(9)
    expect(done.at(-1)).toBe(9)
    // the same inputs give the same ids
    const again = collecting()
    await new FileSource([ndjson, csv], { batchRecords: 3, inFlight: 1 }).start(again)
    expect(again.requests.flatMap((r) => r.records ?? []).map((r) => r.id)).toEqual(all.map((r) => r.id))
  })

  it('reports an unreadable input without stopping the others, and refuses to go on once stopped', async () => {
    const out = collecting()
    const source = new FileSource([path.join(tmp, 'missing.ndjson'), ndjson], { batchRecords: 100, inFlight: 1 })
    await source.start(out)
    expect(source.problems).toHaveLength(1)
    expect(source.records).toHaveLength(7)
    const stopped = new FileSource([ndjson], { batchRecords: 1, inFlight: 1 })
    const slow: SourceOutput = { ...collecting(), ingest: async (req) => (await stopped.stop(), { accepted: 1, rejected: 0, ids: [req.records![0]!.id], errors: [] }) }
    await expect(stopped.start(slow)).rejects.toThrow(/stopped/)
  })
})
