/**
 * The file source: replay inputs (`read.ts`) delivered to its output as framed records, in
 * batches of `batchRecords`, a few batches in flight. Every record's event id is fixed by its
 * input and record number, so a replay is deterministic; each batch's request id is
 * `file/<batch number>` (from 0, in input order), so an output can put results back in order.
 */
import { WatchfloorError } from '../../errors.js'
import { stableId } from '../../transforms/detect/alerts.js'
import type { FramedRecord } from '../../transforms/frame/types.js'
import type { IngestOutcome, Source, SourceOutput } from '../types.js'
import { readRecords, type FileRecord, type InputProblem, type ReadOptions } from './read.js'

/** A UUID-shaped id that is the same for the same input and record number. */
export function fileRecordId(input: string, line: number): string {
  return stableId(`${input}\u0000${line}`)
}

export interface FileSourceOptions extends ReadOptions {
  /** Records per batch (PIPELINE_BATCH_RECORDS). */
  batchRecords: number
  /** Batches in flight at once. */
  inFlight: number
  /** Called after each batch with the records done so far and the total. */
  progress?: (done: number, total: number) => void
}

export class FileSource implements Source {
  readonly name = 'file'
  /** Every record read, in order (filled by `start`). */
  records: FileRecord[] = []
  /** Inputs that could not be read as a whole (reported, never thrown). */
  problems: InputProblem[] = []
  private stopped = false

  constructor(
    private readonly inputs: readonly string[],
    private readonly opts: FileSourceOptions,
  ) {}

  /** Reads every input and delivers it; resolves once every batch was taken by the output. */
  async start(out: SourceOutput): Promise<void> {
    this.stopped = false
    const { records, problems } = await readRecords([...this.inputs], this.opts)
    this.records = records
    this.problems = problems
    const per = this.opts.batchRecords
    const batches = Math.ceil(records.length / per)
    let next = 0
    let done = 0
    this.opts.progress?.(0, records.length)
    const deliver = async (): Promise<void> => {
      for (let b = next++; b < batches; b = next++) {
        if (this.stopped) throw new WatchfloorError('PIPELINE_STOPPING', 'the file source was stopped')
        const batch = records.slice(b * per, (b + 1) * per)
        const framed = batch.map((r): FramedRecord => ({ kind: r.kind, raw: r.raw, id: fileRecordId(r.input, r.line), ...(r.cells ? { cells: r.cells } : {}) }))
        const outcome: IngestOutcome = await out.ingest({ body: '', framing: 'records', records: framed, source: this.name, requestId: `file/${b}`, contentType: '' })
        if (outcome.failure) throw new WatchfloorError(outcome.failure.code, `batch ${b}: ${outcome.failure.reason}`)
        done += batch.length
        this.opts.progress?.(done, records.length)
      }
    }
    await Promise.all(Array.from({ length: Math.max(1, this.opts.inFlight) }, deliver))
  }

  async stop(): Promise<void> {
    this.stopped = true
  }
}
