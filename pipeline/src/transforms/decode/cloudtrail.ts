/**
 * AWS CloudTrail records (`eventVersion`, `eventSource`, `eventName`, `eventTime`,
 * `sourceIPAddress`, `userIdentity`, `awsRegion`, `errorCode`...), one record per value;
 * `expandRecords` unwraps the `{ Records: [...] }` file shape before decoding.
 */
import { normalizeIp } from '../normalize/ip.js'
import { isRecord, str, strOnly } from '../normalize/values.js'
import { Draft } from './draft.js'
import type { Decoder } from './types.js'

/** The records of a CloudTrail file `{ Records: [...] }`, or null when `value` is not one. */
export function expandRecords(value: unknown): unknown[] | null {
  if (!isRecord(value)) return null
  const records = value.Records
  return Array.isArray(records) ? records : null
}

const AUTH_EVENTS: ReadonlySet<string> = new Set([
  'ConsoleLogin', 'AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity', 'GetSessionToken', 'GetFederationToken',
  'CheckMfa', 'SwitchRole', 'ExitRole', 'RenewRole',
])

function lastArnSegment(arn: string | undefined): string | undefined {
  if (arn === undefined) return undefined
  const i = arn.lastIndexOf('/')
  return i >= 0 && i < arn.length - 1 ? arn.slice(i + 1) : undefined
}

export const cloudtrailDecoder: Decoder = {
  name: 'cloudtrail',
  detect(v) {
    return isRecord(v) && typeof v.eventSource === 'string' && typeof v.eventName === 'string' && ('eventVersion' in v || 'awsRegion' in v)
  },
  decode(v, ctx) {
    const r = v as Record<string, unknown>
    const d = new Draft('cloudtrail')
    d.timestamp = r.eventTime !== undefined ? d.time(r.eventTime, 'eventTime') : undefined
    d.timestamp ??= d.time(r['@timestamp'], '@timestamp')

    const name = strOnly(r.eventName)
    d.kind = 'event'
    d.module = 'aws'
    d.dataset = 'aws.cloudtrail'
    d.provider = strOnly(r.eventSource)
    d.action = name
    d.code = name
    if (name !== undefined && AUTH_EVENTS.has(name)) {
      d.category = ['authentication']
      d.type = ['start']
    } else if (d.provider === 'iam.amazonaws.com') d.category = ['iam']
    const error = strOnly(r.errorCode)
    d.outcome = error !== undefined ? 'failure' : 'success'
    const responseElements = r.responseElements
    if (name === 'ConsoleLogin' && isRecord(responseElements) && responseElements.ConsoleLogin === 'Failure') d.outcome = 'failure'
    if (error !== undefined) d.message = strOnly(r.errorMessage) ?? error

    // sourceIPAddress is an IP, or the AWS service that made the call (`ec2.amazonaws.com`)
    const sip = strOnly(r.sourceIPAddress)
    if (sip !== undefined) {
      const ip = normalizeIp(sip)
      if (ip !== undefined) d.srcIp = ip
      else d.srcDomain = sip
    }

    const id = r.userIdentity
    if (isRecord(id)) {
      const session = isRecord(id.sessionContext) ? id.sessionContext : undefined
      const issuer = session !== undefined && isRecord(session.sessionIssuer) ? session.sessionIssuer : undefined
      const arn = strOnly(id.arn)
      d.userName =
        strOnly(id.userName) ?? strOnly(issuer?.userName) ?? lastArnSegment(arn) ??
        strOnly(id.invokedBy) ?? (id.type === 'Root' ? 'root' : undefined)
      d.userId = strOnly(id.principalId) ?? arn
      d.cloudAccountId = str(id.accountId)
    }
    d.cloudAccountId ??= str(r.recipientAccountId)
    d.cloudProvider = 'aws'
    d.cloudRegion = strOnly(r.awsRegion)
    d.userAgent = strOnly(r.userAgent)
    return d.result(ctx)
  },
}
