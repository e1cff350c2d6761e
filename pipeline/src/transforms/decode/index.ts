/**
 * Decode stage: turns one framed record (parsed JSON value, CSV row object, or text line) into a
 * CanonicalEvent. JSON objects go through shape detection in `DECODERS` order (first match wins,
 * `unknown` catches the rest); text lines through auditd -> syslog -> text; CSV rows are routed
 * by the framing to `decodeCsvRow`.
 */
import { accessLogDecoder } from './access_log.js'
import type { DecoderName } from '@watchfloor/contracts'
import { failure } from '../../errors.js'
import { auditdDecoder } from './auditd.js'
import { cloudtrailDecoder } from './cloudtrail.js'
import { csvDecoder } from './csv.js'
import { ecsDecoder } from './ecs.js'
import { legacyDecoder } from './legacy.js'
import { suricataDecoder } from './suricata.js'
import { syslogDecoder } from './syslog.js'
import { textDecoder } from './text.js'
import type { DecodeContext, DecodeResult, Decoder } from './types.js'
import { unknownDecoder } from './unknown.js'
import { wazuhDecoder, windowsRecordOf } from './wazuh.js'
import { windowsFlatDecoder } from './windows_flat.js'
import { windowsNestedDecoder } from './windows_nested.js'
import { winlogbeatDecoder } from './winlogbeat.js'
import { zeekDecoder } from './zeek.js'

export type { DecodeContext, DecodeResult, Decoder } from './types.js'
export { expandRecords } from './cloudtrail.js'
export { decodeCsvRow } from './csv.js'
export { parseSyslog } from './syslog.js'

/**
 * The record as detection rules read it: a Windows event inside a Wazuh alert is the event itself
 * (Sysmon/event-log field names), so Sigma's Windows rules apply to it; any other record as it is.
 */
export function detectionRecord(value: unknown): unknown {
  return windowsRecordOf(value) ?? value
}

/** JSON-object decoders in detection order; `unknown` is the fallback. */
const OBJECT_DECODERS: readonly Decoder[] = [
  legacyDecoder,
  windowsNestedDecoder,
  windowsFlatDecoder,
  winlogbeatDecoder,
  cloudtrailDecoder,
  suricataDecoder,
  zeekDecoder,
  wazuhDecoder,
  ecsDecoder,
]

const TEXT_DECODERS: readonly Decoder[] = [auditdDecoder, syslogDecoder, accessLogDecoder]

/** All decoders, in detection order (same order as DECODER_NAMES). */
export const DECODERS: readonly Decoder[] = [...OBJECT_DECODERS, csvDecoder, ...TEXT_DECODERS, textDecoder, unknownDecoder]

const BY_NAME: ReadonlyMap<DecoderName, Decoder> = new Map(DECODERS.map((d) => [d.name, d]))

/** The decoder registered under `name`. */
export function getDecoder(name: DecoderName): Decoder | undefined {
  return BY_NAME.get(name)
}

/**
 * The first decoder whose `detect` accepts `value`: an object decoder (or `unknown`) for JSON
 * objects, a text decoder (or `text`) for strings, undefined for anything else. CSV rows are
 * never detected by shape (see `decodeCsvRow`).
 */
export function decoderFor(value: unknown): Decoder | undefined {
  if (typeof value === 'string') {
    for (const d of TEXT_DECODERS) if (d.detect(value)) return d
    return textDecoder
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  for (const d of OBJECT_DECODERS) if (d.detect(value)) return d
  return unknownDecoder
}

function kindOf(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  return `a ${typeof v}`
}

/** A decoder bug must not lose the record: fall back to the generic decoder and say why. */
function safeDecode(decoder: Decoder, fallback: Decoder, value: unknown, ctx: DecodeContext): DecodeResult {
  try {
    return decoder.decode(value, ctx)
  } catch (err) {
    const result = fallback.decode(value, ctx)
    if (result.ok) {
      const wf = result.event.watchfloor
      const notes = (wf.decode_notes ??= [])
      notes.push(`${decoder.name} decoder failed: ${err instanceof Error ? err.message : String(err)}`.slice(0, 200))
    }
    return result
  }
}

/** Decodes one parsed JSON value. Anything but a JSON object is rejected with RECORD_NOT_OBJECT. */
export function decodeRecord(value: unknown, ctx: DecodeContext): DecodeResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return failure('RECORD_NOT_OBJECT', `record is ${kindOf(value)}, expected a JSON object`)
  }
  return safeDecode(decoderFor(value) ?? unknownDecoder, unknownDecoder, value, ctx)
}

/** Decodes one text line (auditd, syslog, else plain text). A trailing CR is ignored. */
export function decodeTextLine(line: string, ctx: DecodeContext): DecodeResult {
  const text = line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line
  return safeDecode(decoderFor(text) ?? textDecoder, textDecoder, text, ctx)
}
