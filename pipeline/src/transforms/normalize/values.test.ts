import { describe, expect, it } from 'vitest'
import { normalizeIp } from './ip.js'
import { toInt, toPid, toPort, toTransport } from './numbers.js'
import { severityFromAny, severityFromName, severityFromSuricata, severityFromSyslog, severityFromWazuhLevel, severityFromWindowsLevel } from './severity.js'
import { basename, splitDomainUser } from './values.js'

describe('normalizeIp', () => {
  it('keeps IPv4 as is and trims blanks', () => {
    expect(normalizeIp('10.0.0.1')).toBe('10.0.0.1')
    expect(normalizeIp(' 172.18.39.5 ')).toBe('172.18.39.5')
  })

  it('canonicalizes IPv6 (lower case, zero compression per RFC 5952)', () => {
    expect(normalizeIp('::1')).toBe('::1')
    expect(normalizeIp('FE80:0000:0000:0000:0202:B3FF:FE1E:8329')).toBe('fe80::202:b3ff:fe1e:8329')
    expect(normalizeIp('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1')
    expect(normalizeIp('2001:0db8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1')
    expect(normalizeIp('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1')
    expect(normalizeIp('::')).toBe('::')
  })

  it('maps IPv4-mapped IPv6 to the IPv4 address', () => {
    expect(normalizeIp('::ffff:1.2.3.4')).toBe('1.2.3.4')
    expect(normalizeIp('::FFFF:10.0.0.5')).toBe('10.0.0.5')
    expect(normalizeIp('::ffff:a00:5')).toBe('10.0.0.5')
  })

  it('strips brackets (with an optional port) and zone ids', () => {
    expect(normalizeIp('[2001:db8::1]')).toBe('2001:db8::1')
    expect(normalizeIp('[2001:db8::1]:443')).toBe('2001:db8::1')
    expect(normalizeIp('fe80::1%eth0')).toBe('fe80::1')
    expect(normalizeIp('[fe80::1%12]')).toBe('fe80::1')
  })

  it('rejects non-addresses', () => {
    for (const bad of ['', '-', 'localhost', '1.2.3.4:80', '256.1.1.1', '01.2.3.4', '10.0.0.0/8', '1.2.3', '[::1', '[::1]x', ':::', 16909060, null, undefined, {}, ['1.2.3.4']]) {
      expect(normalizeIp(bad), String(bad)).toBeUndefined()
    }
  })
})

describe('numbers', () => {
  it('toInt reads integers, decimal and 0x-hex strings', () => {
    expect(toInt(42)).toBe(42)
    expect(toInt('42')).toBe(42)
    expect(toInt('-7')).toBe(-7)
    expect(toInt('0x12d8')).toBe(4824)
    expect(toInt(' 10 ')).toBe(10)
    for (const bad of [1.5, '1.5', '', '-', 'abc', '0x', NaN, Number.MAX_SAFE_INTEGER + 2, '99999999999999999', null, true, {}]) {
      expect(toInt(bad), String(bad)).toBeUndefined()
    }
  })

  it('toPort accepts 0-65535 only', () => {
    expect(toPort(0)).toBe(0)
    expect(toPort('65535')).toBe(65535)
    expect(toPort(65536)).toBeUndefined()
    expect(toPort(-1)).toBeUndefined()
    expect(toPort('80/tcp')).toBeUndefined()
  })

  it('toPid accepts 32-bit unsigned ids', () => {
    expect(toPid('0x0')).toBe(0)
    expect(toPid(4294967295)).toBe(4294967295)
    expect(toPid(4294967296)).toBeUndefined()
  })

  it('toTransport maps IANA numbers and names', () => {
    expect(toTransport('6')).toBe('tcp')
    expect(toTransport(17)).toBe('udp')
    expect(toTransport('TCP')).toBe('tcp')
    expect(toTransport('IPv6-ICMP')).toBe('ipv6-icmp')
    expect(toTransport('constructor')).toBe('constructor')
    expect(toTransport('255')).toBeUndefined()
    expect(toTransport('-')).toBeUndefined()
  })
})

describe('severity', () => {
  it('maps each source scale to 0-100', () => {
    expect(severityFromSuricata(1)).toBe(73)
    expect(severityFromSuricata(3)).toBe(21)
    expect(severityFromSuricata(0)).toBeUndefined()
    expect(severityFromWazuhLevel(15)).toBe(100)
    expect(severityFromWazuhLevel(3)).toBe(20)
    expect(severityFromWazuhLevel(16)).toBeUndefined()
    expect(severityFromSyslog(3)).toBe(73)
    expect(severityFromSyslog(7)).toBe(0)
    expect(severityFromWindowsLevel(2)).toBe(73)
    expect(severityFromWindowsLevel(4)).toBe(10)
    expect(severityFromName('CRITICAL')).toBe(99)
    expect(severityFromName('Warning')).toBe(47)
    expect(severityFromName('toString')).toBeUndefined()
    expect(severityFromAny(55.4)).toBe(55)
    expect(severityFromAny('80')).toBe(80)
    expect(severityFromAny('high')).toBe(73)
    expect(severityFromAny(101)).toBeUndefined()
    expect(severityFromAny('')).toBeUndefined()
  })
})

describe('string helpers', () => {
  it('basename handles Windows and POSIX paths', () => {
    expect(basename('C:\\Windows\\System32\\cmd.exe')).toBe('cmd.exe')
    expect(basename('/usr/sbin/arp')).toBe('arp')
    expect(basename('System')).toBe('System')
    expect(basename('C:\\dir\\')).toBeUndefined()
  })

  it('splitDomainUser splits DOMAIN\\user only', () => {
    expect(splitDomainUser('NT AUTHORITY\\SYSTEM')).toEqual(['NT AUTHORITY', 'SYSTEM'])
    expect(splitDomainUser('alice@corp.local')).toEqual([undefined, 'alice@corp.local'])
    expect(splitDomainUser('\\x')).toEqual([undefined, '\\x'])
  })
})
