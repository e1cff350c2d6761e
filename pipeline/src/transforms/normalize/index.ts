export { toIsoTimestamp, toEpochMs, epochToMs, isCanonicalIso, toClickHouseDateTime } from './time.js'
export { normalizeIp, isIpAddress } from './ip.js'
export { toInt, toPort, toPid, toNumber, toTransport } from './numbers.js'
export {
  SEVERITY,
  severityFromName,
  severityFromSuricata,
  severityFromWazuhLevel,
  severityFromSyslog,
  severityFromWindowsLevel,
  severityFromAny,
} from './severity.js'
export { isRecord, str, strOnly, basename, splitDomainUser, toStringArray, describe } from './values.js'
