/**
 * The piscina worker entry: frames a task's text into records, then runs the per-record
 * transforms (decode -> normalize -> detect, profile deltas) and returns the `events` rows as one
 * UTF-8 JSONEachRow buffer. Never throws for bad input: per-record problems are returned as errors
 * with a code. The settings every task shares arrive once, as piscina's `workerData`.
 */
import { randomUUID } from 'node:crypto'
import { setFlagsFromString } from 'node:v8'
import { workerData } from 'piscina'
import type { CanonicalEvent } from '@watchfloor/contracts'
import { decodeCsvRow, decodeRecord, decodeTextLine, detectionRecord, expandRecords } from '../transforms/decode/index.js'
import type { DecodeContext, DecodeResult } from '../transforms/decode/types.js'
import { learnClocksFromText } from '../transforms/decode/host_clock.js'
import { eventRowJson, isObjectText } from '../sinks/clickhouse/event-row.js'
import { parseCsv } from '../transforms/frame/csv.js'
import { unwrapBytes, type BytesRecord } from '../transforms/frame/bytes.js'
import { parseZeekTsv } from '../transforms/frame/zeek_tsv.js'
import { isNdjsonBody, jsonErrorPosition, oversize, valueExceedsDepth } from '../transforms/frame/json.js'
import { PROGRESS_DONE, PROGRESS_WHOLE, type FramedRecord, type TaskAlert, type TaskSignal, type TaskRecordError, type TransformFailure, type TransformResult, type TransformTask, type WorkerSettings } from './task.js'
import { SigmaEngine } from '../transforms/detect/sigma/engine.js'
import { DeltaCollector } from '../transforms/profile/delta.js'
import { stableId } from '../transforms/detect/alerts.js'
import { taskSignal } from '../transforms/correlate/signals.js'

/**
 * Bounded regex evaluation: a Sigma regex that backtracks past V8's limit (50,000 backtracks)
 * switches to V8's linear-time engine, so `^(a+)+$` on a long run of "a"s takes microseconds,
 * not hours. V8's linear engine does not take every regex (case-insensitive ones, look-arounds,
 * back-references); for those the task time limit is the bound (workers/isolate.ts). The flag is
 * process-wide and costs nothing until a regex backtracks that much.
 */
setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks')

/** Outside a pool (tests, benches calling the default export): the configuration's defaults, no rules. */
const DEFAULTS: WorkerSettings = { maxRecordBytes: 1024 * 1024, maxDepth: 64, maxClockSkewMs: 300_000, ruleDirs: [], profile: false }

/**
 * The transform for one set of settings. Rules are compiled once per worker thread, at the first
 * task, and kept for every later one.
 */
export function createTransform(settings: WorkerSettings): (task: TransformTask) => TransformResult | TransformFailure {
  let engine: SigmaEngine | undefined
  let compiled = false
  let tasks = 0
  return (task) => {
    if (!compiled) {
      engine = settings.ruleDirs.length > 0 ? SigmaEngine.fromDirs(settings.ruleDirs) : undefined
      compiled = true
    }
    return transform(task, settings, engine, tasks++ % WORKER_TIMING_EVERY === 0 ? new StageClock() : undefined)
  }
}

/** One task in this many is timed stage by stage (`TransformResult.timing`). */
export const WORKER_TIMING_EVERY = 8

/** Laps of one task, record by record: each lap's time goes to the stage that just ended. */
class StageClock {
  readonly ms: Record<string, number> = { frame: 0, decode: 0, detect: 0, profile: 0, rows: 0, encode: 0 }
  private last = performance.now()

  lap(stage: 'frame' | 'decode' | 'detect' | 'profile' | 'rows' | 'encode'): void {
    const now = performance.now()
    this.ms[stage]! += now - this.last
    this.last = now
  }
}

export default createTransform((workerData as WorkerSettings | undefined) ?? DEFAULTS)

function transform(task: TransformTask, settings: WorkerSettings, engine: SigmaEngine | undefined, clock: StageClock | undefined): TransformResult | TransformFailure {
  const progress = task.progress
  if (progress) {
    Atomics.store(progress, 1, 1)
    if (task.framing !== 'ndjson' && task.framing !== 'text' && task.framing !== 'records') progress[0] = PROGRESS_WHOLE
  }
  const out = new Collector(task, settings, engine, clock)
  // host clock offsets from the whole task first, so record order within it does not matter
  learnClocksFromText(task.text)
  if (task.records) for (const r of task.records) learnClocksFromText(r.raw)
  switch (task.framing) {
    case 'ndjson':
    case 'text':
      out.lines(task.text, task.framing)
      break
    case 'json': {
      let value: unknown
      try {
        value = JSON.parse(task.text)
      } catch (err) {
        if (isNdjsonBody(task.text)) {
          out.lines(task.text, 'ndjson')
          break
        }
        return { ok: false, code: 'INGEST_MALFORMED_JSON', reason: `malformed JSON${jsonErrorPosition(err)}` }
      }
      if (Array.isArray(value)) {
        for (const item of value) out.value(item, undefined)
      } else {
        const expanded = expandRecords(value)
        if (expanded) for (const item of expanded) out.value(item, undefined)
        else out.value(value, task.text)
      }
      break
    }
    case 'records': {
      const records = task.records ?? []
      for (let i = 0; i < records.length; i++) {
        if (progress) progress[0] = i
        out.framed(records[i]!)
      }
      break
    }
    case 'zeek':
      for (const e of parseZeekTsv(task.text)) {
        if ('reason' in e) out.reject('RECORD_ZEEK_MISMATCH', e.reason, e.raw, e.line)
        else out.value(e.value, e.raw, e.line)
      }
      break
    case 'csv': {
      const parsed = parseCsv(task.text)
      if (!parsed.ok) return { ok: false, code: 'RECORD_CSV_MISMATCH', reason: parsed.reason }
      for (const row of parsed.rows) {
        if (row.error) out.reject('RECORD_CSV_MISMATCH', row.error, row.raw, row.line)
        else out.decoded(decodeCsvRow(row.cells, out.ctx()), row.raw, row.line, row.cells)
      }
      break
    }
  }
  if (progress) progress[0] = PROGRESS_DONE
  const result = out.result()
  if (clock) {
    clock.lap('encode')
    result.timing = { records: result.records, ms: clock.ms }
  }
  if (task.reportRules && engine) result.ruleStats = { rules: engine.stats.rules, compiled: engine.stats.compiled, correlations: engine.stats.correlations, errors: engine.stats.errors.map((e) => ({ file: e.file, reason: e.reason })) }
  return result
}

const EMPTY = new Uint8Array(0)

/**
 * The task's JSONEachRow lines as UTF-8, written into one growing buffer as they are made (no
 * array of row strings, no join, no second encoding pass). A lone surrogate, were one left,
 * would be written as U+FFFD, as `rowJson` writes it.
 */
class RowWriter {
  private buf: Buffer | undefined
  private off = 0

  line(row: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit, plus the newline
    const need = this.off + row.length * 3 + 1
    if (this.buf === undefined || need > this.buf.length) {
      // a small task (one event) starts small; a large one doubles its way up
      const next = Buffer.allocUnsafe(Math.max(need * 2, this.buf === undefined ? 16 * 1024 : this.buf.length * 2))
      this.buf?.copy(next, 0, 0, this.off)
      this.buf = next
    }
    this.off += this.buf.write(row, this.off, 'utf8')
    this.buf[this.off++] = 0x0a
  }

  /** The lines written, in a buffer of their own size (what is cloned to the main thread). */
  bytes(): Uint8Array {
    if (this.buf === undefined || this.off === 0) return EMPTY
    const out = Buffer.allocUnsafeSlow(this.off)
    this.buf.copy(out, 0, 0, this.off)
    return out
  }
}

class Collector {
  private index = 0
  private readonly rows = new RowWriter()
  private ids: string[] = []
  private errors: TaskRecordError[] = []
  private decoders: Record<string, number> = {}
  private statuses: Record<string, number> = {}
  private id = ''

  private alerts: TaskAlert[] = []
  private readonly deltas: DeltaCollector | undefined
  private signals: TaskSignal[] = []

  constructor(
    private readonly task: TransformTask,
    private readonly settings: WorkerSettings,
    private readonly engine?: SigmaEngine,
    private readonly clock?: StageClock,
  ) {
    this.deltas = settings.profile ? new DeltaCollector() : undefined
  }

  /**
   * Ids fixed by the source (replay: input and line; Kafka: topic, partition, offset): the first
   * record of a framed record takes the id, more records from it (a JSON array, CloudTrail
   * `Records`) take ids derived from it, so a re-delivery gives the same ids. Else a fresh UUID.
   */
  private idBase: string | undefined
  private idSeq = 0

  ctx(): DecodeContext {
    if (this.idBase === undefined) this.id = randomUUID()
    else this.id = this.idSeq++ === 0 ? this.idBase : stableId(`${this.idBase}/${this.idSeq - 1}`)
    // replayed files keep their times: their ingest time is a fixed stand-in, not a clock
    const skew = this.settings.maxClockSkewMs
    return { id: this.id, ingested: this.task.ingested, source: this.task.source, ...(skew > 0 && this.task.source !== 'file' ? { maxFutureMs: skew } : {}) }
  }

  lines(text: string, framing: 'ndjson' | 'text'): void {
    let start = 0
    let line = this.task.firstLine
    const n = text.length
    while (start <= n) {
      let end = text.indexOf('\n', start)
      if (end === -1) end = n
      let raw = text.slice(start, end)
      if (raw.endsWith('\r')) raw = raw.slice(0, -1)
      if (raw.trim().length > 0) {
        if (this.task.progress && this.task.framing === framing) this.task.progress[0] = line
        const bytes = raw.charCodeAt(0) === 0x7b ? unwrapBytes(raw) : undefined
        if (bytes) this.bytesLine(bytes, line)
        else if (framing === 'text') this.textLine(raw, line)
        else this.jsonLine(raw, line)
      }
      start = end + 1
      line++
    }
  }

  private jsonLine(raw: string, line: number | undefined): void {
    if (this.tooLarge(raw, line)) return
    let value: unknown
    try {
      value = JSON.parse(raw)
    } catch (err) {
      return this.reject('INGEST_MALFORMED_JSON', `malformed JSON${jsonErrorPosition(err)}`, raw, line)
    }
    if (valueExceedsDepth(value, this.settings.maxDepth)) return this.reject('RECORD_TOO_DEEP', `nesting deeper than ${this.settings.maxDepth} levels`, raw, line)
    const expanded = Array.isArray(value) ? value : expandRecords(value)
    if (expanded) {
      for (const item of expanded) this.value(item, undefined, line)
      return
    }
    this.clock?.lap('frame')
    this.decoded(decodeRecord(value, this.ctx()), raw, line, value, isObjectText(raw, value))
  }

  /** A line that was not valid UTF-8 (see frame/bytes.ts): decoded from its text, stored with its exact bytes. */
  private bytes: BytesRecord | undefined
  private bytesLine(bytes: BytesRecord, line: number | undefined): void {
    this.bytes = bytes
    try {
      if (bytes.as === 'text') this.textLine(bytes.text, line)
      else this.jsonLine(bytes.text, line)
    } finally {
      this.bytes = undefined
    }
  }

  /** Rejects the record when it is over the size limit. */
  private tooLarge(text: string, line: number | undefined): boolean {
    const reason = oversize(text, this.settings.maxRecordBytes)
    if (reason === undefined) return false
    this.reject('RECORD_TOO_LARGE', reason, text, line)
    return true
  }

  /** A record its source already framed, with the id it must get (deterministic replay). */
  framed(r: FramedRecord): void {
    this.idBase = r.id
    this.idSeq = 0
    const bytes = r.kind === 'json' ? unwrapBytes(r.raw) : undefined
    if (bytes) this.bytesLine(bytes, undefined)
    else if (r.kind === 'json') this.jsonLine(r.raw, undefined)
    else if (r.kind === 'text') this.textLine(r.raw, undefined)
    else if (r.cells) this.decoded(decodeCsvRow(r.cells, this.ctx()), r.raw, undefined, r.cells)
    else this.reject('RECORD_CSV_MISMATCH', 'CSV row does not match the header', r.raw)
    this.idBase = undefined
  }

  private textLine(raw: string, line: number | undefined): void {
    if (this.tooLarge(raw, line)) return
    this.clock?.lap('frame')
    this.decoded(decodeTextLine(raw, this.ctx()), raw, line, raw)
  }

  /** A record that arrived as part of a parsed document (array element, CloudTrail Records[]). */
  value(value: unknown, raw: string | undefined, line?: number): void {
    if (valueExceedsDepth(value, this.settings.maxDepth)) return this.reject('RECORD_TOO_DEEP', `nesting deeper than ${this.settings.maxDepth} levels`, raw ?? '', line)
    let text = raw
    if (text === undefined) {
      try {
        text = JSON.stringify(value) ?? 'null'
      } catch {
        return this.reject('RECORD_TOO_DEEP', `nesting deeper than ${this.settings.maxDepth} levels`, '', line)
      }
    }
    if (this.tooLarge(text, line)) return
    this.clock?.lap('frame')
    this.decoded(decodeRecord(value, this.ctx()), text, line, value, isObjectText(text, value))
  }

  /** `rawIsObject`: `raw` is exactly the text of the JSON object `value` (stored as that text, unescaped: see eventRowJson). */
  decoded(result: DecodeResult, raw: string, line?: number, value?: unknown, rawIsObject = false): void {
    const clock = this.clock
    clock?.lap('decode')
    if (!result.ok) return this.reject(result.code, result.reason, raw, line)
    const ev = result.event
    if (this.bytes) {
      const wf = ev.watchfloor
      wf.original_encoding = 'base64'
      ;(wf.decode_notes ??= []).push(`not valid UTF-8 (${this.bytes.text.split('\uFFFD').length - 1} invalid sequences read as U+FFFD): original is the record's exact bytes, base64`)
      raw = this.bytes.base64
      rawIsObject = false
    }
    if (this.engine && value !== undefined) this.detect(ev, detectionRecord(value))
    clock?.lap('detect')
    this.deltas?.add(ev)
    clock?.lap('profile')
    if (this.task.skipRows !== true) this.rows.line(eventRowJson(ev, raw, rawIsObject))
    clock?.lap('rows')
    this.ids.push(ev.event.id)
    const d = ev.watchfloor.decoder
    this.decoders[d] = (this.decoders[d] ?? 0) + 1
    const s = ev.watchfloor.decode_status
    this.statuses[s] = (this.statuses[s] ?? 0) + 1
    this.index++
  }

  private detect(ev: CanonicalEvent, value: unknown): void {
    const { matches, signals } = this.engine!.detect(value, ev)
    if (matches.length === 0 && signals.length === 0) return
    const entities: TaskAlert['entities'] = {}
    if (ev.source?.ip) entities.source_ip = ev.source.ip
    if (ev.destination?.ip) entities.destination_ip = ev.destination.ip
    if (ev.user?.name) entities.user = ev.user.name
    if (ev.host?.name) entities.host = ev.host.name
    for (const m of matches) {
      this.alerts.push({ index: this.index, eventId: ev.event.id, timestamp: ev['@timestamp'], rule: { id: m.id, title: m.title, level: m.level }, tags: m.tags, entities, ...(m.matched ? { matched: m.matched } : {}) })
    }
    for (const s of signals) this.signals.push(taskSignal(s, { index: this.index, eventId: ev.event.id, timestamp: ev['@timestamp'], entities }))
  }

  reject(code: TaskRecordError['code'], reason: string, raw: string, line?: number): void {
    // a record that is not valid UTF-8 is dead-lettered as its envelope: its exact bytes, base64
    if (this.bytes) {
      raw = this.bytes.envelope
      reason += ' (not valid UTF-8: raw is the envelope holding its exact bytes, base64)'
    }
    const e: TaskRecordError = { index: this.index, code, reason, raw }
    if (line !== undefined) e.line = line
    this.errors.push(e)
    this.index++
  }

  result(): TransformResult {
    this.clock?.lap('encode')
    const profiles = this.deltas?.result() ?? []
    this.clock?.lap('profile')
    return {
      ok: true,
      records: this.index,
      rows: this.rows.bytes(),
      ids: this.ids,
      errors: this.errors,
      decoders: this.decoders,
      statuses: this.statuses,
      alerts: this.alerts,
      signals: this.signals,
      profiles,
    }
  }
}
