import { describe, expect, it } from 'vitest'
import { toClickHouseDateTime, toIsoTimestamp } from './time.js'

describe('toIsoTimestamp', () => {
  it('reads epoch seconds, milliseconds, microseconds and nanoseconds by magnitude', () => {
    expect(toIsoTimestamp(1642723347)).toBe('2022-01-21T00:02:27.000Z')
    expect(toIsoTimestamp(1604994496.155)).toBe('2020-11-10T07:48:16.155Z')
    expect(toIsoTimestamp(1642723347123)).toBe('2022-01-21T00:02:27.123Z')
    expect(toIsoTimestamp(1642723347123456)).toBe('2022-01-21T00:02:27.123Z')
    expect(toIsoTimestamp(1642723347123456789)).toBe('2022-01-21T00:02:27.123Z')
    expect(toIsoTimestamp(0)).toBe('1970-01-01T00:00:00.000Z')
  })

  it('reads numeric strings like numbers', () => {
    expect(toIsoTimestamp('1642723347')).toBe('2022-01-21T00:02:27.000Z')
    expect(toIsoTimestamp('1604994496.155')).toBe('2020-11-10T07:48:16.155Z')
    expect(toIsoTimestamp('1642723347123')).toBe('2022-01-21T00:02:27.123Z')
  })

  it('reads ISO 8601 with Z, offsets in all spellings, and no zone as UTC', () => {
    expect(toIsoTimestamp('2020-09-14T00:44:23.000Z')).toBe('2020-09-14T00:44:23.000Z')
    expect(toIsoTimestamp('2025-12-06T21:11:02.649150Z')).toBe('2025-12-06T21:11:02.649Z')
    expect(toIsoTimestamp('2022-01-21T10:00:00.000+0000')).toBe('2022-01-21T10:00:00.000Z')
    expect(toIsoTimestamp('2022-01-21T10:00:00.123456+0100')).toBe('2022-01-21T09:00:00.123Z')
    expect(toIsoTimestamp('2022-01-21T10:00:00-05:30')).toBe('2022-01-21T15:30:00.000Z')
    expect(toIsoTimestamp('2022-01-21T10:00:00+02')).toBe('2022-01-21T08:00:00.000Z')
    expect(toIsoTimestamp('2022-01-21T10:00:00')).toBe('2022-01-21T10:00:00.000Z')
    expect(toIsoTimestamp('2022-01-21T10:00')).toBe('2022-01-21T10:00:00.000Z')
    expect(toIsoTimestamp('2022-01-21')).toBe('2022-01-21T00:00:00.000Z')
  })

  it('reads "YYYY-MM-DD hh:mm:ss[.fff]" (Windows TimeCreated / EventTime) as UTC', () => {
    expect(toIsoTimestamp('2020-10-18 07:50:06.220')).toBe('2020-10-18T07:50:06.220Z')
    expect(toIsoTimestamp('2020-07-22 00:18:45')).toBe('2020-07-22T00:18:45.000Z')
    expect(toIsoTimestamp('2020-07-22 00:18:45.5')).toBe('2020-07-22T00:18:45.500Z')
    expect(toIsoTimestamp('2020-07-22 00:18:45 UTC')).toBe('2020-07-22T00:18:45.000Z')
    expect(toIsoTimestamp('  2020-07-22 00:18:45  ')).toBe('2020-07-22T00:18:45.000Z')
  })

  it('gives syslog month-day-time the current year (previous year when that is far in the future)', () => {
    const now = Date.UTC(2024, 5, 15, 12, 0, 0)
    expect(toIsoTimestamp('Oct 11 22:14:15', Date.UTC(2024, 11, 31))).toBe('2024-10-11T22:14:15.000Z')
    expect(toIsoTimestamp('Jun  5 01:02:03', now)).toBe('2024-06-05T01:02:03.000Z')
    expect(toIsoTimestamp('Dec 31 23:59:59', Date.UTC(2025, 0, 2))).toBe('2024-12-31T23:59:59.000Z')
    expect(toIsoTimestamp('Oct 11 2019 22:14:15', now)).toBe('2019-10-11T22:14:15.000Z')
    const year = new Date().getUTCFullYear()
    const iso = toIsoTimestamp('Jan  1 00:00:01')
    expect(iso === `${year}-01-01T00:00:01.000Z` || iso === `${year - 1}-01-01T00:00:01.000Z`).toBe(true)
  })

  it('reads Apache access-log and RFC 2822 times', () => {
    expect(toIsoTimestamp('10/Oct/2000:13:55:36 -0700')).toBe('2000-10-10T20:55:36.000Z')
    expect(toIsoTimestamp('Tue, 11 Oct 2022 10:00:00 GMT')).toBe('2022-10-11T10:00:00.000Z')
  })

  it('rejects years before 1970 and after 2100', () => {
    expect(toIsoTimestamp('1969-12-31T23:59:59Z')).toBeUndefined()
    expect(toIsoTimestamp('2101-01-01T00:00:00Z')).toBeUndefined()
    expect(toIsoTimestamp('2100-12-31T23:59:59.999Z')).toBe('2100-12-31T23:59:59.999Z')
    expect(toIsoTimestamp(-1)).toBeUndefined()
    expect(toIsoTimestamp(99_999_999_999)).toBeUndefined() // seconds -> year 5138
    // an offset can push a valid-looking local time out of range
    expect(toIsoTimestamp('1970-01-01T00:30:00+01:00')).toBeUndefined()
  })

  it('rejects impossible dates and unusable values without throwing', () => {
    for (const bad of [
      '2021-02-29T00:00:00Z', '2021-13-01T00:00:00Z', '2021-04-31', '2021-01-01T24:00:00Z', '2021-01-01T10:61:00Z',
      '2021-01-01T10:00:00+25:00', 'yesterday', 'Foo 11 22:14:15', '', ' ', '1', '12:00', 'NaN', 'Infinity',
      '1e10', '2021-01-01T10:00:00Zjunk', null, undefined, true, {}, [], NaN, Infinity, -Infinity, { toString: () => '2021-01-01' },
    ]) {
      expect(toIsoTimestamp(bad), String(bad)).toBeUndefined()
    }
    expect(toIsoTimestamp('2024-02-29T00:00:00Z')).toBe('2024-02-29T00:00:00.000Z')
  })

  it('accepts Date objects', () => {
    expect(toIsoTimestamp(new Date(Date.UTC(2021, 0, 2, 3, 4, 5, 6)))).toBe('2021-01-02T03:04:05.006Z')
    expect(toIsoTimestamp(new Date(Number.NaN))).toBeUndefined()
  })
})

describe('toClickHouseDateTime', () => {
  it('formats as YYYY-MM-DD hh:mm:ss.fff UTC', () => {
    expect(toClickHouseDateTime('2020-09-14T00:44:23.000Z')).toBe('2020-09-14 00:44:23.000')
    expect(toClickHouseDateTime('2022-01-21T10:00:00.5+0100')).toBe('2022-01-21 09:00:00.500')
    expect(toClickHouseDateTime('garbage')).toBeUndefined()
  })
})
