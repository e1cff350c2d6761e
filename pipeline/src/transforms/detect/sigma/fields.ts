/**
 * Flat field view of a Windows record for Sigma matching.
 *
 * Supported input shapes:
 * - evtx_dump nested: `{Event: {System: {...}, EventData: {...} | null, UserData?: {...}}}`
 * - flat OTRF / NXLog records: keys used as they are, plus `Computer` (from `Hostname`) and
 *   `Provider_Name` (from `SourceName` / `ProviderName`) when absent.
 * - Winlogbeat ECS (nested objects or dotted keys): `winlog.event_data.*` -> their names,
 *   `winlog.event_id` -> EventID, `winlog.channel` -> Channel, `winlog.provider_name` ->
 *   Provider_Name, `winlog.computer_name` -> Computer.
 * Anything else that is a plain object is used as it is.
 */
export type FieldView = Record<string, unknown>

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Unwrap evtx_dump `{'#text': x, '#attributes': ...}` wrappers. */
function text(v: unknown): unknown {
  if (isRecord(v) && '#text' in v) return v['#text']
  return v
}

function attr(v: unknown, name: string): unknown {
  if (!isRecord(v)) return undefined
  const a = v['#attributes']
  return isRecord(a) ? a[name] : undefined
}

function copyData(out: FieldView, data: Record<string, unknown>): void {
  for (const k in data) {
    if (k === '#attributes') continue
    const v = text(data[k])
    out[k] = v
    // Sigma refers to data names with spaces ("Source Name", Defender) without the spaces
    if (k.includes(' ')) {
      const alias = k.replace(/ /g, '')
      if (!(alias in data)) out[alias] = v
    }
  }
}

function fromNested(ev: Record<string, unknown>): FieldView {
  const out: FieldView = {}
  const sys = ev.System
  if (isRecord(sys)) {
    for (const k in sys) {
      const v = sys[k]
      if (k === 'Provider') {
        const name = attr(v, 'Name')
        if (name !== undefined) out.Provider_Name = name
        const guid = attr(v, 'Guid')
        if (guid !== undefined) out.Provider_Guid = guid
      } else if (k === 'Security') {
        const uid = attr(v, 'UserID')
        if (uid !== undefined) out.Security_UserID = uid
      } else if (k === 'TimeCreated') {
        const t = attr(v, 'SystemTime')
        if (t !== undefined) out.TimeCreated = t
      } else if (k === 'Execution') {
        const pid = attr(v, 'ProcessID')
        if (pid !== undefined) out.ExecutionProcessID = pid
        const tid = attr(v, 'ThreadID')
        if (tid !== undefined) out.ExecutionThreadID = tid
      } else {
        out[k] = text(v)
      }
    }
    const eid = out.EventID
    if (typeof eid === 'string' && /^\d+$/.test(eid)) out.EventID = Number(eid)
  }
  const data = ev.EventData
  if (isRecord(data)) copyData(out, data)
  const user = ev.UserData
  if (isRecord(user)) {
    for (const k in user) {
      if (k === '#attributes') continue
      const inner = user[k]
      if (isRecord(inner)) copyData(out, inner)
    }
  }
  return out
}

function fromFlat(r: Record<string, unknown>): FieldView {
  const out: FieldView = { ...r }
  if (out.Computer === undefined && r.Hostname !== undefined) out.Computer = r.Hostname
  if (out.Provider_Name === undefined) {
    const p = r.SourceName ?? r.ProviderName
    if (p !== undefined) out.Provider_Name = p
  }
  const eid = out.EventID
  if (typeof eid === 'string' && /^\d+$/.test(eid)) out.EventID = Number(eid)
  return out
}

function dotted(r: Record<string, unknown>, path: string): unknown {
  if (path in r) return r[path]
  let cur: unknown = r
  for (const part of path.split('.')) {
    if (!isRecord(cur)) return undefined
    cur = cur[part]
  }
  return cur
}

function fromEcs(r: Record<string, unknown>): FieldView {
  const out: FieldView = {}
  const data = dotted(r, 'winlog.event_data')
  if (isRecord(data)) copyData(out, data)
  for (const k in r) {
    if (k.startsWith('winlog.event_data.')) out[k.slice('winlog.event_data.'.length)] = r[k]
  }
  const map: Array<[string, string]> = [
    ['winlog.event_id', 'EventID'],
    ['winlog.channel', 'Channel'],
    ['winlog.provider_name', 'Provider_Name'],
    ['winlog.computer_name', 'Computer'],
    ['winlog.user.identifier', 'Security_UserID'],
  ]
  for (const [from, to] of map) {
    const v = dotted(r, from)
    if (v !== undefined && out[to] === undefined) out[to] = v
  }
  const eid = out.EventID
  if (typeof eid === 'string' && /^\d+$/.test(eid)) out.EventID = Number(eid)
  return out
}

function isEcsWinlog(r: Record<string, unknown>): boolean {
  if (isRecord(r.winlog)) return true
  for (const k in r) if (k.startsWith('winlog.')) return true
  return false
}

/** Build the flat field view of a decoded original record. Returns undefined for non-objects. */
export function fieldView(record: unknown): FieldView | undefined {
  if (!isRecord(record)) return undefined
  const ev = record.Event
  if (isRecord(ev) && isRecord(ev.System)) return fromNested(ev)
  if (isEcsWinlog(record)) return fromEcs(record)
  return fromFlat(record)
}
