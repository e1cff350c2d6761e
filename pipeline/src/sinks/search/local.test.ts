/** The embedded similar-incident index: ranking by shared entities, rules, techniques and words; reasons; dispositions; versions. */
import { describe, expect, it } from 'vitest'
import type { Incident } from '@watchfloor/contracts'
import { LocalIncidentIndex, words } from './local.js'
import { incidentDocument } from './fixtures.js'
import { searchDocument, type IncidentDocument } from './types.js'

/** A brute-force incident document unless the test says otherwise. */
const doc = (id: string, p: Partial<IncidentDocument> = {}): IncidentDocument => incidentDocument({ id, title: 'SSH brute force', severity: 'HIGH', threat_type: 'brute_force', ...p })

describe('LocalIncidentIndex', () => {
  const index = new LocalIncidentIndex()
  // background: unrelated incidents, so shared terms are rare enough to count
  for (let i = 0; i < 200; i++) index.write([doc(`bg${i}`, { title: `Port scan ${i}`, entities: [`source_ip=192.0.2.${i % 250}`], rules: [`scan-${i % 7}`], techniques: ['T1046'] })])
  index.write([
    doc('past-same-ip', { entities: ['source_ip=203.0.113.7', 'user=root'], rules: ['ssh-brute'], techniques: ['T1110'], status: 'closed', disposition: 'false_positive', closed_by: 'alice', closed_at: '2026-11-19T10:00:00.000Z' }),
    doc('past-same-rule', { entities: ['source_ip=198.51.100.9'], rules: ['ssh-brute'], techniques: ['T1110'], status: 'closed', disposition: 'true_positive', closed_by: 'bob', closed_at: '2026-11-18T10:00:00.000Z' }),
    doc('past-words', { title: 'Password spraying against the VPN portal', rules: ['spray'], techniques: ['T1110.003'] }),
  ])

  it('ranks the incident sharing the entity and the rule first, then the rule alone, with the reasons and how each was resolved', async () => {
    const q = doc('now', { entities: ['source_ip=203.0.113.7', 'user=root'], rules: ['ssh-brute'], techniques: ['T1110'] })
    index.write([q])
    const hits = await index.similar(q, 3)
    expect(hits.map((h) => h.id).slice(0, 2)).toEqual(['past-same-ip', 'past-same-rule'])
    expect(hits[0]).toMatchObject({ disposition: 'false_positive', closed_by: 'alice', closed_at: '2026-11-19T10:00:00.000Z', status: 'closed' })
    expect(hits[0]!.reasons).toMatchObject({ entities: ['source_ip=203.0.113.7', 'user=root'], rules: ['ssh-brute'], techniques: ['T1110'] })
    expect(hits[1]!.reasons.entities).toEqual([])
    expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score)
    expect(hits.some((h) => h.id === 'now')).toBe(false)
  })

  it('finds incidents by the words of their title, analysis and evidence', async () => {
    const hits = await index.similar(doc('q', { title: 'VPN password spraying from one address' }), 1)
    expect(hits[0]!.id).toBe('past-words')
    expect(hits[0]!.reasons.text).toEqual(expect.arrayContaining(['vpn', 'password', 'spraying']))
  })

  it('keeps the highest version of an incident, whatever order versions arrive in', async () => {
    const idx = new LocalIncidentIndex()
    idx.write([doc('a', { version: 5, status: 'closed', disposition: 'true_positive', rules: ['r'] })])
    idx.write([doc('a', { version: 3, status: 'new', rules: ['r'] })])
    idx.write([doc('b', { rules: ['r'] })])
    const [hit] = await idx.similar(doc('b', { rules: ['r'] }), 5)
    expect(hit).toMatchObject({ id: 'a', status: 'closed', disposition: 'true_positive' })
    expect(idx.size).toBe(2)
  })

  it('drops the least recently updated incidents beyond its size, from the postings too', async () => {
    const idx = new LocalIncidentIndex({ maxDocuments: 2 })
    idx.write([doc('old', { rules: ['r'] }), doc('mid', { rules: ['r'] }), doc('new', { rules: ['r'] })])
    expect(idx.size).toBe(2)
    expect((await idx.similar(doc('q', { rules: ['r'] }), 5)).map((h) => h.id).sort()).toEqual(['mid', 'new'])
  })

  it('builds the document of an incident: entities by kind, rules, techniques, and the disposition once closed', () => {
    const inc = {
      id: 'i',
      title: 't',
      status: 'closed',
      close_reason: 'benign_positive',
      status_history: [{ at: '2026-11-20T09:00:00.000Z', by: 'carol', from: 'new', to: 'closed', close_reason: 'benign_positive' }],
      entities: ['source_ip=203.0.113.7', 'user=root', 'host=web-01', 'destination_ip=10.0.0.5'],
      rules: { 'ssh-brute': { title: 'SSH Brute Force' } },
      verdict: { analysis: 'a', threat_type: 'brute_force', attack: { techniques: ['T1110'], tactics: ['credential-access'] } },
      severity: 'HIGH',
      risk_score: 10,
      first_seen: 'f',
      last_seen: 'l',
    } as unknown as Incident
    expect(searchDocument(inc, 7, 'u')).toMatchObject({ version: 7, disposition: 'benign_positive', closed_by: 'carol', closed_at: '2026-11-20T09:00:00.000Z', ips: ['203.0.113.7', '10.0.0.5'], users: ['root'], hosts: ['web-01'], rules: ['ssh-brute'], evidence: 'SSH Brute Force\nbrute_force' })
    expect(words('The SSH brute-force, from 203.0.113.7!')).toEqual(['ssh', 'brute-force', '203.0.113.7'])
  })
})
