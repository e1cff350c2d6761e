/**
 * Property-based fuzzing of the decoders (fast-check): whatever a record holds (any JSON value,
 * shapes close to the real formats with wrong types, any text line, any CSV row), decoding never
 * throws, and either refuses the record with a catalogued code or gives an event that satisfies
 * the canonical contract, with a valid time and only the fields the contract allows.
 */
import fc from 'fast-check'
import { Value } from '@sinclair/typebox/value'
import { CanonicalEventSchema } from '@watchfloor/contracts'
import { describe, expect, it } from 'vitest'
import { ERRORS } from '../../errors.js'
import { decodeCsvRow, decodeRecord, decodeTextLine } from './index.js'
import type { DecodeResult } from './types.js'

const ctx = { id: 'fuzz-1', ingested: '2026-11-29T10:00:00.000Z', source: 'test', maxFutureMs: 300_000 }

function check(r: DecodeResult): void {
  if (!r.ok) {
    expect(Object.keys(ERRORS)).toContain(r.code)
    expect(typeof r.reason).toBe('string')
    return
  }
  const errors = [...Value.Errors(CanonicalEventSchema, r.event)].map((e) => `${e.path}: ${e.message}`)
  expect(errors).toEqual([])
  expect(Number.isFinite(Date.parse(r.event['@timestamp']))).toBe(true)
  // never later than the ingest time plus the allowed skew (a future time is clamped)
  expect(Date.parse(r.event['@timestamp'])).toBeLessThanOrEqual(Date.parse(ctx.ingested) + ctx.maxFutureMs)
}

/** Values that are often wrong in real logs: the right key with the wrong type. */
const messy = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.string(), { maxKeys: 3 }), fc.constantFrom('', '-', '999.1.1.1', '::ffff:10.0.0.1', '2099-12-31T23:59:59Z', '1e309', 'NaN', '\u202Eevil', '<script>x</script>'))

/** Records shaped like each format the decoders recognise, with messy values in their fields. */
const shaped = fc.oneof(
  fc.record({ timestamp: messy, event_type: messy, source_ip: messy, dest_ip: messy, username: messy, hostname: messy, raw_log: messy }, { requiredKeys: ['event_type'] }),
  fc.record({ '@timestamp': messy, event: fc.record({ category: messy, outcome: messy, kind: messy }), source: fc.record({ ip: messy, port: messy }), host: messy, user: messy, process: fc.record({ command_line: messy, name: messy }) }),
  fc.record({ EventID: messy, Channel: messy, Hostname: messy, UtcTime: messy, TimeCreated: messy, CommandLine: messy, Image: messy, TargetUserName: messy, IpAddress: messy }, { requiredKeys: ['EventID', 'Channel'] }),
  fc.record({ timestamp: messy, event_type: messy, src_ip: messy, dest_ip: messy, dest_port: messy, alert: fc.record({ signature: messy, severity: messy }), dns: messy, flow: messy }, { requiredKeys: ['src_ip'] }),
  fc.record({ ts: messy, uid: messy, 'id.orig_h': messy, 'id.resp_h': messy, 'id.resp_p': messy, _path: fc.constantFrom('conn', 'dns', 'kerberos', 'ntlm', 'rdp', 'dce_rpc', 'smb_files', 'http', 'x'), query: messy, success: messy, client: messy }, { requiredKeys: ['ts', 'uid'] }),
  fc.record({ rule: fc.record({ id: messy, level: messy, description: messy }), agent: fc.record({ name: messy, ip: messy }), manager: messy, decoder: fc.record({ name: messy }), full_log: messy, data: fc.record({ srcip: messy, win: fc.record({ system: fc.record({ eventID: messy, channel: messy, systemTime: messy }), eventdata: fc.dictionary(fc.string({ maxLength: 8 }), messy, { maxKeys: 4 }) }) }) }, { requiredKeys: ['rule', 'agent'] }),
  fc.record({ eventVersion: messy, eventTime: messy, eventSource: messy, eventName: messy, userIdentity: messy, sourceIPAddress: messy, awsRegion: messy }, { requiredKeys: ['eventSource', 'eventName'] }),
)

describe('decoders under fuzzing', () => {
  it('take any JSON value without throwing', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => check(decodeRecord(v, ctx))), { numRuns: 1500 })
  })

  it('take records shaped like every format, with the wrong types in their fields', () => {
    fc.assert(fc.property(shaped, (v) => check(decodeRecord(v, ctx))), { numRuns: 3000 })
  })

  it('take any text line (syslog, auditd, access log, Zeek, or none of them)', () => {
    const prefixes = fc.constantFrom('', 'Nov 29 10:00:00 web-01 sshd[1]: ', '<34>1 2026-11-29T10:00:00Z host app 1 - - ', 'type=EXECVE msg=audit(1:2): ', '203.0.113.9 - - [29/Nov/2026:10:00:00 +0000] "GET ')
    fc.assert(fc.property(prefixes, fc.string({ maxLength: 300, unit: 'binary' }), (p, rest) => check(decodeTextLine(p + rest, ctx))), { numRuns: 3000 })
  })

  it('take any CSV row', () => {
    fc.assert(fc.property(fc.dictionary(fc.constantFrom('time', 'name', 'ip', 'host', 'short', 'timestamp', 'message', 'x'), fc.string({ maxLength: 50 })), (cells) => check(decodeCsvRow(cells, ctx))), { numRuns: 1500 })
  })
})
