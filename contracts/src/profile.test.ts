import { describe, expect, it } from 'vitest'
import { ContractError, isProfile, parseProfile } from './validate.js'
import { ENTITY_KINDS, type EntityProfile } from './profile.js'

/** A source address's profile as the pipeline stores it, with every field present. */
function profile(): EntityProfile {
  return {
    kind: 'source_ip',
    entity: '203.0.113.9',
    internal: false,
    first_seen: '2026-11-23T09:58:12.345Z',
    last_seen: '2026-11-23T10:01:44.002Z',
    events: 312,
    event_types: { failed_login: 300, successful_login: 12 },
    severities: { NONE: 0, LOW: 300, HIGH: 12 },
    alerts: { HIGH: 25 },
    techniques: ['T1110'],
    tactics: ['credential-access'],
    ports: [22, 2222],
    users: ['root', 'admin'],
    hosts: ['web1'],
    risk_score: 78.5,
    risk_at: '2026-11-23T10:01:44.002Z',
  }
}

function stored(change: (doc: Record<string, unknown>) => void): string {
  const doc = JSON.parse(JSON.stringify(profile())) as Record<string, unknown>
  change(doc)
  return JSON.stringify(doc)
}

function message(json: string): string {
  try {
    parseProfile(json)
  } catch (e) {
    if (e instanceof ContractError) return e.message
    throw e
  }
  return 'accepted'
}

describe('entity profile contract', () => {
  it('accepts a stored profile with every field and returns it unchanged', () => {
    expect(parseProfile(JSON.stringify(profile()))).toEqual(profile())
    expect(isProfile(profile())).toBe(true)
  })

  it('accepts every entity kind, and a profile without the IP-only `internal`', () => {
    for (const kind of ENTITY_KINDS) expect(parseProfile(stored((d) => (d.kind = kind))).kind).toBe(kind)
    expect(parseProfile(stored((d) => delete d.internal))).not.toHaveProperty('internal')
  })

  it('refuses a profile with a wrong kind, a missing risk score or a port that is not a number, naming the path', () => {
    expect(message(stored((d) => (d.kind = 'domain')))).toBe('profile: /kind: Expected union value')
    expect(message(stored((d) => delete d.risk_score))).toBe('profile: /risk_score: Expected required property')
    expect(message(stored((d) => (d.ports = [22, '2222'])))).toBe('profile: /ports/1: Expected number')
    expect(message(stored((d) => (d.event_types = { failed_login: '300' })))).toBe('profile: /event_types/failed_login: Expected number')
  })

  // As for incidents: a field written by another version is kept, not a reason to refuse.
  it('accepts and keeps unknown properties on a stored profile', () => {
    expect(parseProfile(stored((d) => (d.geo = { country: 'NL' })))).toMatchObject({ geo: { country: 'NL' } })
  })
})
