/**
 * Web server access logs: the NCSA common and combined formats written by Apache httpd and nginx
 * (`host ident user [time] "METHOD target HTTP/x" status bytes ["referer" "user-agent"]`),
 * optionally after a virtual host (`vhost:port` first, Apache's `vhost_combined`).
 */
import { normalizeIp } from '../normalize/ip.js'
import { Draft } from './draft.js'
import type { Decoder } from './types.js'

const ACCESS_RE =
  /^(?:(\S+:\d{1,5}) )?(\S+) (\S+) (\S+) \[(\d{1,2})\/([A-Z][a-z]{2})\/(\d{4}):(\d\d):(\d\d):(\d\d)(?:\.\d+)? ([+-]\d{4})\] "([^"\\]*(?:\\.[^"\\]*)*)" (\d{3}) (\d+|-)(?: "([^"\\]*(?:\\.[^"\\]*)*)" "([^"\\]*(?:\\.[^"\\]*)*)")?/
const MONTHS: Record<string, string> = { Jan: '01', Feb: '02', Mar: '03', Apr: '04', May: '05', Jun: '06', Jul: '07', Aug: '08', Sep: '09', Oct: '10', Nov: '11', Dec: '12' }

const unescape = (s: string) => s.replace(/\\(.)/g, '$1')

export const accessLogDecoder: Decoder = {
  name: 'access_log',
  detect(v) {
    return typeof v === 'string' && v.includes('] "') && ACCESS_RE.test(v)
  },
  decode(v, ctx) {
    const line = v as string
    const m = ACCESS_RE.exec(line)
    const d = new Draft('access_log')
    d.kind = 'event'
    d.category = ['web']
    d.type = ['access']
    d.module = 'http'
    d.dataset = 'http.access'
    d.message = line
    if (m === null) return d.result(ctx)
    const [, vhost, client, , user, day, mon, year, hh, mm, ss, tz, request, status, bytes, , agent] = m
    const month = MONTHS[mon!]
    if (month !== undefined) d.timestamp = d.time(`${year}-${month}-${day!.padStart(2, '0')}T${hh}:${mm}:${ss}${tz!.slice(0, 3)}:${tz!.slice(3)}`, 'time')
    else d.note(`time: unknown month ${mon}`)
    const ip = normalizeIp(client)
    if (ip !== undefined) d.srcIp = ip
    else d.srcDomain = client
    if (user !== undefined && user !== '-') d.userName = user
    if (vhost !== undefined) {
      const i = vhost.lastIndexOf(':')
      d.dstDomain = vhost.slice(0, i)
      d.dstPort = Number(vhost.slice(i + 1))
    }
    const req = unescape(request!)
    const parts = req.split(' ')
    if (parts.length >= 2 && /^[A-Z]{1,16}$/.test(parts[0]!)) {
      d.httpMethod = parts[0]
      d.url = parts.slice(1, parts.length > 2 && /^HTTP\/\d/.test(parts[parts.length - 1]!) ? -1 : undefined).join(' ')
    } else if (req !== '-' && req !== '') d.url = req
    const code = Number(status)
    d.httpStatus = code
    d.outcome = code >= 400 ? 'failure' : 'success'
    if (bytes !== undefined && bytes !== '-') d.dstBytes = Number(bytes)
    if (agent !== undefined && agent !== '-' && agent !== '') d.userAgent = unescape(agent)
    return d.result(ctx)
  },
}
