/**
 * Windows / Sysmon events flattened NXLog-style (OTRF / Mordor datasets): System fields
 * (`EventID`, `Channel`, `SourceName`, `Hostname`, `EventTime`, `TimeCreated`, `@timestamp`...)
 * and the EventData fields (`Image`, `CommandLine`, `TargetUserName`...) side by side at the top.
 */
import { severityFromName, severityFromWindowsLevel } from '../normalize/severity.js'
import { isRecord, strOnly } from '../normalize/values.js'
import { Draft } from './draft.js'
import { hostUtc, learnClock, LOCAL_TIME_FIELDS } from './host_clock.js'
import type { Decoder } from './types.js'
import { channelInfo, classify, eventIdOf, mapEventData } from './windows.js'

export const windowsFlatDecoder: Decoder = {
  name: 'windows_flat',
  detect(v) {
    if (!isRecord(v) || !('EventID' in v)) return false
    return typeof v.Channel === 'string' || typeof v.SourceName === 'string' || typeof v.ProviderName === 'string'
  },
  decode(v, ctx) {
    const r = v as Record<string, unknown>
    const d = new Draft('windows_flat')
    const channel = strOnly(r.Channel)
    const provider = strOnly(r.SourceName) ?? strOnly(r.ProviderName)
    const eid = eventIdOf(r.EventID)
    if (eid === undefined) d.note(`EventID: expected a number`)
    const info = channelInfo(channel, provider)

    // `Hostname` is the machine that logged the event; `host` is often the collector (WEC).
    const host = r.host
    d.hostName =
      strOnly(r.Hostname) ?? strOnly(r.Computer) ?? strOnly(r.ComputerName) ??
      (typeof host === 'string' ? strOnly(host) : isRecord(host) ? strOnly(host.name) : undefined)
    // `@timestamp` (ISO UTC) first; then Sysmon's UtcTime (which also teaches the host's offset
    // from its local TimeCreated / EventTime); then a local time moved by that offset when it is
    // known; then the zone-less TimeCreated / EventTime, read as UTC.
    const origin = strOnly(r.Hostname) ?? strOnly(r.Computer)
    if (r['@timestamp'] === undefined && typeof r.UtcTime === 'string' && origin !== undefined)
      for (const f of LOCAL_TIME_FIELDS) if (typeof r[f] === 'string') learnClock(origin, r.UtcTime, r[f], f)
    d.timestamp = d.time(r['@timestamp'], '@timestamp') ?? d.time(r.UtcTime, 'UtcTime')
    for (const f of LOCAL_TIME_FIELDS) {
      if (d.timestamp !== undefined || r[f] === undefined) continue
      const shifted = hostUtc(origin, r[f], f)
      if (shifted !== undefined) {
        d.timestamp = shifted.iso
        d.remark(`${f}: local time of ${origin}, moved by ${shifted.offsetMs / 60000} min to UTC (offset learned from its Sysmon UtcTime)`)
      }
    }
    d.timestamp ??= d.time(r.TimeCreated, 'TimeCreated') ?? d.time(r.EventTime, 'EventTime')
    d.kind = 'event'
    d.module = 'windows'
    d.dataset = info.dataset
    if (provider !== undefined) d.provider = provider
    if (eid !== undefined) d.code = String(eid)
    d.severity = severityFromName(r.Severity) ?? severityFromWindowsLevel(r.Level)
    const et = r.EventType
    if (et === 'AUDIT_FAILURE') d.outcome = 'failure'
    else if (et === 'AUDIT_SUCCESS') d.outcome = 'success'
    d.message = strOnly(r.Message)

    classify(d, info.kind, eid)
    mapEventData(d, r, info.kind, eid)
    return d.result(ctx)
  },
}
