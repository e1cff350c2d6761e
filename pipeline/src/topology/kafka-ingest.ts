/**
 * HTTP ingest with Kafka as the transport: the HTTP source's output validates the body into one
 * message per record (`transforms/frame/kafka.ts`), produces them to the input topic and
 * resolves once the broker acknowledged; the consumer then runs them through the pipeline.
 * Records refused on the way in are kept as dead letters, as the pipeline keeps its own.
 */
import type { Config } from '../config/schema.js'
import { WatchfloorError, dropReason } from '../errors.js'
import type { KafkaProducer } from '../sinks/kafka/producer.js'
import type { Telemetry } from '../telemetry/counters.js'
import type { IngestOutcome, IngestRequest, SourceOutput } from '../sources/types.js'
import { frameForKafka } from '../transforms/frame/kafka.js'
import type { Pipeline } from './pipeline.js'

export class KafkaIngest implements SourceOutput {
  constructor(
    private readonly config: Readonly<Config>,
    private readonly producer: KafkaProducer,
    private readonly pipeline: Pipeline,
    private readonly telemetry: Telemetry,
  ) {}

  get stopping(): boolean {
    return this.pipeline.stopping
  }

  deadLetters: SourceOutput['deadLetters'] = (origin, rejected) => this.pipeline.deadLetters(origin, rejected)

  async ingest(req: IngestRequest): Promise<IngestOutcome> {
    if (this.stopping) throw new WatchfloorError('PIPELINE_STOPPING')
    const counters = this.telemetry.component(req.source, 'source')
    const framed = frameForKafka(req.body, req.framing, this.config.ingest)
    if (framed.failure) {
      await this.deadLetters(req, [{ index: -1, code: framed.failure.code, reason: framed.failure.reason, raw: req.body }])
      counters.drop(dropReason(framed.failure.code))
      return { accepted: 0, rejected: 0, ids: [], errors: [], failure: framed.failure }
    }
    const ids = framed.records.length > 0 ? await this.producer.send(framed.records) : []
    await this.deadLetters(req, framed.rejected)
    counters.received += framed.records.length + framed.rejected.length
    counters.sent += framed.records.length
    for (const r of framed.rejected) counters.drop(dropReason(r.code))
    const errors = framed.rejected.map((r) => ({ index: r.index, ...(r.line !== undefined ? { line: r.line } : {}), code: r.code, reason: r.reason }))
    return { accepted: ids.length, rejected: errors.length, ids, errors }
  }
}
