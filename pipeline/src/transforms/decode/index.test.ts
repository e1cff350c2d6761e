/** Dispatch: non-objects, detection order, the unknown fallback, and odd string content. */
import type { CanonicalEvent } from '@watchfloor/contracts'
import { DECODER_NAMES } from '@watchfloor/contracts'
import { describe, expect, it } from 'vitest'
import { eventToRow } from '../../sinks/clickhouse/event-row.js'
import { DECODERS, decodeCsvRow, decodeRecord, decoderFor } from './index.js'
import type { DecodeContext, DecodeResult } from './index.js'

const ctx: DecodeContext = { id: 'id-1', ingested: '2030-01-01T00:00:00.000Z', source: 'http' }

function ok(r: DecodeResult): CanonicalEvent {
  if (!r.ok) throw new Error(`decode failed: ${r.code} ${r.reason}`)
  return r.event
}

describe('decodeRecord dispatch', () => {
  it('lists the decoders in DECODER_NAMES order', () => {
    expect(DECODERS.map((d) => d.name)).toEqual([...DECODER_NAMES])
  })

  it('rejects JSON values that are not objects with RECORD_NOT_OBJECT', () => {
    for (const [value, kind] of [[[1, 2], 'an array'], [42, 'a number'], ['text', 'a string'], [null, 'null'], [true, 'a boolean'], [undefined, 'a undefined']] as const) {
      const r = decodeRecord(value, ctx)
      expect(r).toEqual({ ok: false, code: 'RECORD_NOT_OBJECT', reason: `record is ${kind}, expected a JSON object` })
    }
  })

  it('picks the first matching decoder for each shape', () => {
    const cases: [unknown, string][] = [
      [{ raw_log: 'x', '@timestamp': '2024-01-01T00:00:00Z' }, 'legacy'],
      [{ Event: { System: { EventID: 1 } } }, 'windows_nested'],
      [{ EventID: 4624, Channel: 'Security', '@timestamp': '2024-01-01T00:00:00Z' }, 'windows_flat'],
      [{ winlog: { event_id: '4624' }, '@timestamp': '2024-01-01T00:00:00Z' }, 'winlogbeat'],
      [{ eventVersion: '1.08', eventSource: 's3.amazonaws.com', eventName: 'GetObject', '@timestamp': '2024-01-01T00:00:00Z' }, 'cloudtrail'],
      [{ timestamp: '2024-01-01T00:00:00+0000', event_type: 'flow', src_ip: '1.1.1.1' }, 'suricata'],
      [{ ts: 1, uid: 'C1', 'id.orig_h': '1.1.1.1' }, 'zeek'],
      [{ rule: { level: 3 }, agent: { id: '001' }, '@timestamp': '2024-01-01T00:00:00Z' }, 'wazuh'],
      [{ '@timestamp': '2024-01-01T00:00:00Z' }, 'ecs'],
      [{ foo: 'bar' }, 'unknown'],
    ]
    for (const [value, name] of cases) {
      expect(decoderFor(value)?.name, JSON.stringify(value)).toBe(name)
      expect(ok(decodeRecord(value, ctx)).watchfloor.decoder).toBe(name)
    }
    expect(decoderFor('type=SYSCALL msg=audit(1.0:1): x=1')?.name).toBe('auditd')
    expect(decoderFor('<13>Oct 11 22:14:15 h a: m')?.name).toBe('syslog')
    expect(decoderFor('hello')?.name).toBe('text')
    expect(decoderFor(42)).toBeUndefined()
  })

  it('still fills generic top-level fields for unknown objects', () => {
    const e = ok(decodeRecord({ time: '2024-05-06 07:08:09', src: '198.51.100.1', dst: '10.0.0.1', msg: 'hello', hostname: 'box', user: 'eve', other: { deep: 1 } }, ctx))
    expect(e.watchfloor).toEqual({ decoder: 'unknown', decode_status: 'unknown', source: 'http' })
    expect(e['@timestamp']).toBe('2024-05-06T07:08:09.000Z')
    expect(e.source?.ip).toBe('198.51.100.1')
    expect(e.destination?.ip).toBe('10.0.0.1')
    expect(e.message).toBe('hello')
    expect(e.host?.name).toBe('box')
    expect(e.user?.name).toBe('eve')
  })

  it('ignores unusable generic values of unknown objects without failing', () => {
    const e = ok(decodeRecord({ ip: 'not-ip', time: 12, message: { text: 'x' }, host: { name: 'h2' } }, ctx))
    expect(e['@timestamp']).toBe(ctx.ingested)
    expect(e.source).toBeUndefined()
    expect(e.message).toBeUndefined()
    expect(e.host?.name).toBe('h2')
    expect(ok(decodeRecord({}, ctx)).watchfloor.decode_status).toBe('unknown')
  })

  it('does not read inherited properties as fields', () => {
    const e = ok(decodeRecord(JSON.parse('{"__proto__": {"raw_log": "x"}, "constructor": "c"}'), ctx))
    expect(e.watchfloor.decoder).toBe('unknown')
  })

  it('passes unicode, NUL and control characters through to the row unchanged', () => {
    const weird = 'Zürich 東京 🚀 \u0000\u0007 "quoted" \\ \ud83d'
    const raw = JSON.stringify({ raw_log: weird, username: weird, event_type: 'x' })
    const e = ok(decodeRecord(JSON.parse(raw), ctx))
    expect(e.message).toBe(weird)
    expect(e.user?.name).toBe(weird)
    const line = JSON.stringify(eventToRow(e, raw))
    const back = JSON.parse(line) as { message: string; user_name: string; original: string }
    expect(back.message).toBe(weird)
    expect(back.user_name).toBe(weird)
    expect(back.original).toBe(raw)
  })

  it('does not share mutable arrays between events', () => {
    const a = ok(decodeRecord({ EventID: 4624, Channel: 'Security' }, ctx))
    a.event.category?.push('mutated')
    const b = ok(decodeRecord({ EventID: 4624, Channel: 'Security' }, ctx))
    expect(b.event.category).toEqual(['authentication'])
  })
})

describe('decodeCsvRow', () => {
  it('maps common column names case-insensitively', () => {
    const e = ok(decodeCsvRow({ '@Timestamp': '2024-01-02T03:04:05Z', SRC_IP: '10.0.0.1', Dest_IP: '10.0.0.2', DST_PORT: '443', HostName: 'fw', UserName: 'u', Msg: 'blocked', Signature: 'ET SCAN', Event_Type: 'alert', Severity: 'high', Proto: '6' }, ctx))
    expect(e.watchfloor).toMatchObject({ decoder: 'csv', decode_status: 'ok', event_type: 'alert' })
    expect(e['@timestamp']).toBe('2024-01-02T03:04:05.000Z')
    expect(e.source?.ip).toBe('10.0.0.1')
    expect(e.destination).toEqual({ ip: '10.0.0.2', port: 443 })
    expect(e.host?.name).toBe('fw')
    expect(e.user?.name).toBe('u')
    expect(e.message).toBe('blocked')
    expect(e.rule?.name).toBe('ET SCAN')
    expect(e.event).toMatchObject({ action: 'alert', severity: 73 })
    expect(e.network?.transport).toBe('tcp')
  })

  it('marks bad cells partial and rows without known columns unknown', () => {
    const bad = ok(decodeCsvRow({ time: 'yesterday', ip: '1.2.3', host: 'h' }, ctx))
    expect(bad.watchfloor.decode_status).toBe('partial')
    expect(bad.watchfloor.decode_notes).toEqual(['time: expected a timestamp, got "yesterday"', 'ip: expected an IP address, got "1.2.3"'])
    expect(ok(decodeCsvRow({ colA: '1', colB: '2' }, ctx)).watchfloor.decode_status).toBe('unknown')
  })
})
