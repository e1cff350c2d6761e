import { describe, expect, it } from 'vitest'
import { HourlyBudget } from './budget.js'

describe('HourlyBudget', () => {
  it('refuses the call over the hourly limit and opens again as calls leave the sliding hour', () => {
    let now = 0
    const b = new HourlyBudget({ calls: 2, tokens: 1_000_000 }, () => now)
    expect(b.take().ok).toBe(true)
    now = 30 * 60_000
    expect(b.take().ok).toBe(true)
    const refused = b.take()
    expect(refused).toEqual({ ok: false, reason: '2 calls in the last hour (limit 2)' })
    now = 60 * 60_000 + 1 // the first call is more than an hour old
    expect(b.take().ok).toBe(true)
    expect(b.take().ok).toBe(false)
    expect(b.used().calls).toBe(2)
  })

  it('counts tokens once settled and refuses once they reach the limit', () => {
    const b = new HourlyBudget({ calls: 100, tokens: 500 })
    const a = b.take()
    if (!a.ok) throw new Error('refused')
    expect(b.take().ok).toBe(true) // tokens are not known yet
    a.settle(520)
    expect(b.used()).toEqual({ calls: 2, tokens: 520 })
    expect(b.take()).toEqual({ ok: false, reason: '520 tokens in the last hour (limit 500)' })
  })

  it('gives a cancelled call back (a 429 is not served)', () => {
    const b = new HourlyBudget({ calls: 1, tokens: 100 })
    const a = b.take()
    if (!a.ok) throw new Error('refused')
    expect(b.take().ok).toBe(false)
    a.cancel()
    expect(b.take().ok).toBe(true)
  })

  it('allows nothing with a zero limit', () => {
    expect(new HourlyBudget({ calls: 0, tokens: 100 }).take().ok).toBe(false)
    expect(new HourlyBudget({ calls: 10, tokens: 0 }).take().ok).toBe(false)
  })
})
