/**
 * POST /api/ingest: one JSON object, a JSON array, NDJSON, CSV with a header row, or plain
 * text lines. 202 only after every accepted record is stored; 400 lists each rejected record
 * (index, line, reason) while the good ones in the same body are still stored.
 */
import type { FastifyPluginAsync } from 'fastify'
import { Type } from '@sinclair/typebox'
import { WatchfloorError, frameForKafka, type Framing } from '@watchfloor/pipeline'

const JSON_TYPES = new Set(['application/json', 'text/json'])
const NDJSON_TYPES = new Set(['application/x-ndjson', 'application/ndjson', 'application/jsonlines', 'application/x-jsonlines', 'application/json-lines', 'application/jsonl'])
const CSV_TYPES = new Set(['text/csv', 'application/csv'])
const TEXT_TYPES = new Set(['text/plain'])

export function framingFor(contentType: string | undefined, body: string): Framing | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  if (type === '') return /^\s*[[{]/.test(body) ? 'json' : 'text'
  if (JSON_TYPES.has(type) || type.endsWith('+json')) return 'json'
  if (NDJSON_TYPES.has(type)) return 'ndjson'
  if (CSV_TYPES.has(type)) return 'csv'
  if (TEXT_TYPES.has(type)) return 'text'
  return undefined
}

const ErrorBody = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) })
const IngestBody = Type.Object({
  accepted: Type.Integer({ description: 'Records stored' }),
  rejected: Type.Integer({ description: 'Records refused (kept in the dead-letter table)' }),
  ids: Type.Array(Type.String(), { description: 'Event ids of the stored records, in input order' }),
  errors: Type.Array(
    Type.Object({
      index: Type.Integer({ description: '0-based record index in the body' }),
      line: Type.Optional(Type.Integer({ description: '1-based line (line-framed bodies)' })),
      code: Type.String(),
      reason: Type.String(),
    }),
  ),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
})

const ingestRoutes: FastifyPluginAsync = async (app) => {
  // Bodies are framed and parsed in the worker pool, not on the event loop: take raw text.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: app.deps.config.ingest.maxBodyBytes }, (_req, body, done) => done(null, body))

  app.post(
    '/api/ingest',
    {
      schema: {
        tags: ['ingest'],
        summary: 'Ingest events',
        description:
          'Body: one JSON object (e.g. the legacy shape timestamp, event_type, source_ip, dest_ip, username, hostname, raw_log), a JSON array, NDJSON (application/x-ndjson), CSV with a header row (text/csv) or text lines (text/plain: syslog, auditd). ' +
          'Formats are detected per record (ECS/Logstash/Beats/Vector, Windows/Sysmon flat or evtx_dump nested, Wazuh, Suricata EVE, Zeek, CloudTrail). ' +
          '202 after the records are durably stored; 400 lists rejected records by index (the others are stored); 413 over INGEST_MAX_BODY_BYTES; 503 with Retry-After when saturated.',
        consumes: ['application/json', 'application/x-ndjson', 'text/csv', 'text/plain'],
        response: { 202: IngestBody, 400: IngestBody, 413: ErrorBody, 415: ErrorBody, 503: ErrorBody },
      },
    },
    async (req, reply) => {
      const body = typeof req.body === 'string' ? req.body : ''
      if (body.trim().length === 0) {
        app.deps.telemetry.component('http', 'source').drop('empty_body')
        return reply.status(400).send({ accepted: 0, rejected: 0, ids: [], errors: [], error: { code: 'INGEST_EMPTY_BODY', message: 'request body is empty: send a JSON object, a JSON array, NDJSON, CSV or text lines' } })
      }
      const contentType = req.headers['content-type']
      const framing = framingFor(contentType, body)
      if (!framing) {
        app.deps.telemetry.component('http', 'source').drop('unsupported_media_type')
        throw new WatchfloorError('INGEST_UNSUPPORTED_MEDIA_TYPE', `${String(contentType)}; use application/json, application/x-ndjson, text/csv or text/plain`)
      }
      const kafka = app.deps.kafka
      if (kafka !== undefined) {
        // Kafka is the transport: the records go to the input topic; 202 once the broker has them.
        if (app.deps.pipeline.isStopping) throw new WatchfloorError('PIPELINE_STOPPING')
        const counters = app.deps.telemetry.component('http', 'source')
        const framed = frameForKafka(body, framing, app.deps.config.ingest)
        const meta = { source: 'http', requestId: req.id, contentType: contentType ?? '' }
        if (framed.failure) {
          await app.deps.pipeline.storeDeadLetters(meta, [{ index: -1, code: framed.failure.code, reason: framed.failure.reason, raw: body }])
          counters.drop(framed.failure.code.toLowerCase())
          return reply.status(400).send({ accepted: 0, rejected: 0, ids: [], errors: [], error: { code: framed.failure.code, message: framed.failure.reason } })
        }
        const ids = framed.records.length > 0 ? await kafka.producer.send(framed.records) : []
        await app.deps.pipeline.storeDeadLetters(meta, framed.rejected)
        counters.received += framed.records.length + framed.rejected.length
        counters.sent += framed.records.length
        for (const r of framed.rejected) counters.drop(r.code.toLowerCase())
        const errors = framed.rejected.map((r) => ({ index: r.index, ...(r.line !== undefined ? { line: r.line } : {}), code: r.code, reason: r.reason }))
        return reply.status(errors.length > 0 ? 400 : 202).send({ accepted: ids.length, rejected: errors.length, ids, errors })
      }
      const outcome = await app.deps.pipeline.ingest({ body, framing, source: 'http', requestId: req.id, contentType: contentType ?? '' })
      const payload = { accepted: outcome.accepted, rejected: outcome.rejected, ids: outcome.ids, errors: outcome.errors }
      if (outcome.failure) return reply.status(400).send({ ...payload, error: { code: outcome.failure.code, message: outcome.failure.reason } })
      return reply.status(outcome.rejected > 0 ? 400 : 202).send(payload)
    },
  )
}

export default ingestRoutes
