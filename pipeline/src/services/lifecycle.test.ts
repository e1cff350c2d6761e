/** Every lifecycle transition, allowed and refused, with the close and reopen rules. */
import { describe, expect, it } from 'vitest'
import { INCIDENT_STATUSES } from '@watchfloor/contracts'
import { checkTransition } from './incidents.js'

/** from -> the states it may move to (the documented lifecycle). */
const EXPECTED: Record<string, string[]> = {
  new: ['in_progress', 'triaged', 'escalated', 'closed'],
  in_progress: ['triaged', 'escalated', 'closed'],
  triaged: ['in_progress', 'escalated', 'closed'],
  escalated: ['in_progress', 'triaged', 'closed'],
  closed: ['in_progress'],
}

describe('lifecycle transitions', () => {
  for (const from of INCIDENT_STATUSES)
    for (const to of INCIDENT_STATUSES) {
      const allowed = EXPECTED[from]!.includes(to)
      it(`${from} -> ${to}: ${allowed ? 'allowed' : 'refused'}`, () => {
        // give what closing and reopening need, so only the state machine decides
        const refused = checkTransition(from, to, 'reason', to === 'closed' ? 'true_positive' : undefined)
        if (allowed) expect(refused).toBeUndefined()
        else expect(refused).toEqual(expect.any(String))
      })
    }

  it('needs a close reason to close and a reason to reopen', () => {
    expect(checkTransition('triaged', 'closed', undefined, undefined)).toMatch(/close_reason/)
    expect(checkTransition('closed', 'in_progress', undefined, undefined)).toMatch(/reason/)
    expect(checkTransition('closed', 'in_progress', '  ', undefined)).toMatch(/reason/)
    expect(checkTransition('closed', 'in_progress', 'new evidence', undefined)).toBeUndefined()
  })
})
