/**
 * POST /api/ingest: one JSON object, a JSON array, NDJSON, CSV with a header row, or plain
 * text lines. 202 only after every accepted record is stored; 400 lists each rejected record
 * (index, line, reason) while the good ones in the same body are still stored. The HTTP source
 * (the pipeline's ingest service) decides; this route only hands it the raw body.
 */
import type { FastifyPluginAsync } from 'fastify'
import { IngestResponseSchema } from '@watchfloor/contracts'
import { INGEST_CONTENT_TYPES } from '@watchfloor/pipeline'
import { ErrorBody } from './schemas.js'

const ingestRoutes: FastifyPluginAsync = async (app) => {
  const { config, services } = app.deps
  // Bodies are framed and parsed in the worker pool, not on the event loop: take the raw bytes
  // (the source inflates them and keeps the exact bytes of lines that are not valid UTF-8).
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: config.ingest.maxBodyBytes }, (_req, body, done) => done(null, body))

  app.post(
    '/api/ingest',
    {
      bodyLimit: config.ingest.maxBodyBytes,
      schema: {
        tags: ['ingest'],
        summary: 'Ingest events',
        description:
          'Body: one JSON object (e.g. the seed systems\' shape, `LegacyIngestRecord` in the schemas below), a JSON array, NDJSON (application/x-ndjson), CSV with a header row (text/csv) or text lines (text/plain: syslog, auditd). ' +
          'Formats are detected per record (ECS/Logstash/Beats/Vector, Windows/Sysmon flat or evtx_dump nested, Wazuh, Suricata EVE, Zeek, CloudTrail). ' +
          '202 after the records are durably stored; 400 lists rejected records by index (the others are stored); 413 over INGEST_MAX_BODY_BYTES; 503 with Retry-After when saturated.',
        consumes: [...INGEST_CONTENT_TYPES],
        response: { 202: IngestResponseSchema, 400: IngestResponseSchema, 413: ErrorBody, 415: ErrorBody, 503: ErrorBody },
      },
    },
    async (req, reply) => {
      const body = Buffer.isBuffer(req.body) ? req.body : typeof req.body === 'string' ? req.body : ''
      const answer = await services.ingest.accept({ body, contentType: req.headers['content-type'], contentEncoding: req.headers['content-encoding'], requestId: req.id })
      return reply.status(answer.status).send(answer.body)
    },
  )
}

export default ingestRoutes
