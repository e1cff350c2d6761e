/**
 * Winlogbeat (Beats) Windows events: ECS fields at the top plus `winlog.{channel, event_id,
 * provider_name, computer_name, event_data, user}`. The ECS fields the event already has are
 * kept; the Windows mapping only fills what they leave open.
 */
import { isRecord, str, strOnly } from '../normalize/values.js'
import { Draft } from './draft.js'
import { mapEcs } from './ecs.js'
import type { Decoder } from './types.js'
import { channelInfo, classify, eventIdOf, mapEventData } from './windows.js'

export const winlogbeatDecoder: Decoder = {
  name: 'winlogbeat',
  detect(v) {
    if (!isRecord(v)) return false
    const w = v.winlog
    return isRecord(w) && ('event_id' in w || 'channel' in w || 'provider_name' in w)
  },
  decode(v, ctx) {
    const r = v as Record<string, unknown>
    const w = r.winlog as Record<string, unknown>
    const d = new Draft('winlogbeat')
    mapEcs(d, r)

    const channel = strOnly(w.channel)
    const provider = strOnly(w.provider_name)
    const eid = eventIdOf(w.event_id)
    const info = channelInfo(channel, provider)
    d.kind ??= 'event'
    d.module ??= 'windows'
    d.dataset ??= info.dataset
    d.provider ??= provider
    if (eid !== undefined) d.code ??= String(eid)
    else if (w.event_id !== undefined) d.note('winlog.event_id: expected a number')
    d.hostName ??= strOnly(w.computer_name)
    const keywords = w.keywords
    if (Array.isArray(keywords)) {
      if (keywords.includes('Audit Failure')) d.outcome ??= 'failure'
      else if (keywords.includes('Audit Success')) d.outcome ??= 'success'
    }
    classify(d, info.kind, eid)
    const data = w.event_data
    if (isRecord(data)) mapEventData(d, data, info.kind, eid)
    const user = w.user
    if (isRecord(user)) {
      if (d.userName === undefined) {
        d.userName = strOnly(user.name)
        d.userDomain ??= strOnly(user.domain)
      }
      d.userId ??= str(user.identifier)
    }
    if (d.timestamp === undefined && isRecord(data)) d.timestamp = d.time(data.UtcTime, 'winlog.event_data.UtcTime')
    return d.result(ctx)
  },
}
