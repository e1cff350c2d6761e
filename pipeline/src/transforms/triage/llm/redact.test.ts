import { describe, expect, it } from 'vitest'
import { Redactor } from './redact.js'

describe('Redactor', () => {
  it('gives each user, host and address a stable placeholder, the same value the same one (case-insensitively)', () => {
    const r = new Redactor()
    expect(r.entity('user=alice')).toBe('user=user-1')
    expect(r.entity('host=WS01')).toBe('host=host-1')
    expect(r.entity('source_ip=10.0.0.5')).toBe('source_ip=ip-1')
    expect(r.entity('destination_ip=10.0.0.6')).toBe('destination_ip=ip-2')
    expect(r.value('user', 'ALICE')).toBe('user-1')
    expect(r.text('ws01')).toBe('host-1')
    expect(r.size).toBe(4)
  })

  it('rewrites free text: known names as words, any IPv4/IPv6 literal, not parts of other words or times', () => {
    const r = new Redactor()
    r.entity('user=alice')
    r.entity('host=ws01')
    r.entity('user=al')
    const out = r.text('Failed password for alice from 203.0.113.7 on WS01.corp.local at 10:22:33; malice; ws010; fe80::1 and 2001:db8::42; version 1.2.3.4.5; al')
    expect(out).toBe('Failed password for user-1 from ip-1 on host-1.corp.local at 10:22:33; malice; ws010; ip-2 and ip-3; version 1.2.3.4.5; al')
    // a whole field holding a short name is replaced; inside prose it is left (it would wreck the text)
    expect(r.text('al')).toBe('user-2')
  })

  it('maps the placeholders of an answer back to the real values, leaving unknown ones', () => {
    const r = new Redactor()
    r.entity('user=alice')
    r.entity('source_ip=198.51.100.23')
    expect(r.restore('user-1 logged on from ip-1; user-7 is unknown')).toBe('alice logged on from 198.51.100.23; user-7 is unknown')
    expect(r.leaks('nothing here')).toEqual([])
    expect(r.leaks('hello ALICE')).toEqual(['alice'])
  })
})
