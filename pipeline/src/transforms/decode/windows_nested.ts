/**
 * Windows events in the evtx_dump JSON shape:
 * `{ Event: { System: { Provider: {'#attributes': {Name}}, EventID, Channel, Computer,
 * TimeCreated: {'#attributes': {SystemTime}}, ... }, EventData: {...} | null, UserData? } }`.
 */
import { severityFromWindowsLevel } from '../normalize/severity.js'
import { isRecord, str, strOnly } from '../normalize/values.js'
import { Draft } from './draft.js'
import type { Decoder } from './types.js'
import { channelInfo, classify, eventIdOf, mapEventData } from './windows.js'

function attrs(v: unknown): Record<string, unknown> | undefined {
  if (!isRecord(v)) return undefined
  const a = v['#attributes']
  return isRecord(a) ? a : undefined
}

/** Keywords bits of the Security log: audit success / audit failure. */
const AUDIT_FAILURE = '0x8010000000000000'
const AUDIT_SUCCESS = '0x8020000000000000'

/** The event's data fields: EventData, or the single element inside UserData. */
function eventData(ev: Record<string, unknown>, d: Draft): Record<string, unknown> | undefined {
  const data = ev.EventData
  if (isRecord(data)) {
    // unnamed <Data> elements: `Data: "text"` or `Data: { '#text': [...] }`
    const unnamed = data.Data
    if (unnamed !== undefined) {
      const text = isRecord(unnamed) ? unnamed['#text'] : unnamed
      if (typeof text === 'string') d.message ??= text
      else if (Array.isArray(text)) d.message ??= text.filter((t) => typeof t === 'string').join('\n')
    }
    return data
  }
  const user = ev.UserData
  if (isRecord(user)) {
    for (const k in user) {
      if (k === '#attributes') continue
      const inner = user[k]
      if (isRecord(inner)) return inner
    }
  }
  return undefined
}

export const windowsNestedDecoder: Decoder = {
  name: 'windows_nested',
  detect(v) {
    if (!isRecord(v)) return false
    const ev = v.Event
    return isRecord(ev) && isRecord(ev.System)
  },
  decode(v, ctx) {
    const d = new Draft('windows_nested')
    const ev = (v as { Event: Record<string, unknown> }).Event
    const sys = ev.System as Record<string, unknown>

    const provider = strOnly(attrs(sys.Provider)?.Name)
    const channel = strOnly(sys.Channel)
    const eid = eventIdOf(sys.EventID)
    if (eid === undefined && sys.EventID !== undefined) d.note('Event.System.EventID: expected a number')
    const info = channelInfo(channel, provider)

    d.timestamp = d.time(attrs(sys.TimeCreated)?.SystemTime, 'Event.System.TimeCreated.SystemTime')
    d.kind = 'event'
    d.module = 'windows'
    d.dataset = info.dataset
    if (provider !== undefined) d.provider = provider
    if (eid !== undefined) d.code = String(eid)
    d.hostName = strOnly(sys.Computer)
    d.severity = severityFromWindowsLevel(sys.Level)
    const keywords = sys.Keywords
    if (keywords === AUDIT_FAILURE) d.outcome = 'failure'
    else if (keywords === AUDIT_SUCCESS) d.outcome = 'success'

    classify(d, info.kind, eid)
    const data = eventData(ev, d)
    if (data !== undefined) {
      mapEventData(d, data, info.kind, eid)
      if (d.timestamp === undefined) d.timestamp = d.time(data.UtcTime, 'Event.EventData.UtcTime')
    }
    if (d.userName === undefined) d.userId ??= str(attrs(sys.Security)?.UserID)
    // Execution/ProcessID is the process that *logged* the event (e.g. the Sysmon service), not
    // the process the event is about, so it is not mapped to process.pid.
    return d.result(ctx)
  },
}
