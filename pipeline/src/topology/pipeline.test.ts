/**
 * A re-sent Kafka batch counts once: the real worker pool and stages, a storage that refuses a
 * write once (a stand-in for the store; the real store refusing is in the disk-full tests). The
 * Kafka source sends the same records again after a failure, as it does.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load.js'
import { WatchfloorError } from '../errors.js'
import { Telemetry } from '../telemetry/counters.js'
import { createTransformPool } from '../workers/pool.js'
import type { FramedRecord } from '../workers/task.js'
import { Pipeline } from './pipeline.js'
import { Stages } from './stages.js'
import type { Storage } from './storage.js'

const config = loadConfig({ env: {}, overrides: { pipeline: { workers: 1, batchRecords: 10 } } })
const pool = createTransformPool(config)
afterAll(() => pool.destroy())

const ATTACKER = '203.0.113.5'
/** 30 failed logins from one address (a brute force: alerts and an incident), as Kafka framed them. */
const records: FramedRecord[] = Array.from({ length: 30 }, (_, i) => ({
  kind: 'json',
  id: `kafka-t-0-${i}`,
  raw: JSON.stringify({ timestamp: `2026-11-20T08:00:${String(i).padStart(2, '0')}Z`, event_type: 'ssh_failed_login', source_ip: ATTACKER, dest_ip: '10.0.0.5', username: `user${i}`, hostname: 'bastion-1' }),
}))

/** A storage that keeps what it is given and refuses the `table` write numbered `failAt` (1-based) once. */
function flakyStorage(table: string, failAt: number) {
  const writes: Record<string, number> = {}
  const storage = {
    isFull: false,
    backlogBytes: 0,
    rows: { events: 0, alerts: 0, incidents: 0, dead_letters: 0 } as Record<string, number>,
    /** The newest stored version of each incident: its alert count. */
    incidents: new Map<string, { version: number; alert_count: number }>(),
    /** Alert rows written again are the same insert (the store deduplicates it): their ids. */
    alertIds: new Set<string>(),
    async write(t: string, rows: { rows: Uint8Array; count: number }) {
      writes[t] = (writes[t] ?? 0) + 1
      if (t === table && writes[t] === failAt) throw new WatchfloorError('SINK_WRITE_FAILED', `${t} refused once`)
      storage.rows[t]! += rows.count
      if (t === 'alerts') for (const line of new TextDecoder().decode(rows.rows).trim().split('\n')) storage.alertIds.add((JSON.parse(line) as { alert_id: string }).alert_id)
      if (t !== 'incidents') return
      for (const line of new TextDecoder().decode(rows.rows).trim().split('\n')) {
        const r = JSON.parse(line) as { incident_id: string; version: number; alert_count: number }
        if ((storage.incidents.get(r.incident_id)?.version ?? -1) < r.version) storage.incidents.set(r.incident_id, { version: r.version, alert_count: r.alert_count })
      }
    },
  }
  return storage
}

async function resent(table: string, failAt: number) {
  const stages = new Stages(config)
  const storage = flakyStorage(table, failAt)
  const pipeline = new Pipeline(config, new Telemetry(), pool, stages, storage as unknown as Storage)
  const req = { body: '', framing: 'records' as const, records, source: 'kafka', requestId: 'kafka:t/0/0-29', contentType: 'kafka' }
  await expect(pipeline.ingest(req)).rejects.toMatchObject({ code: 'SINK_WRITE_FAILED' })
  const outcome = await pipeline.ingest(req)
  const profile = await stages.profiles!.get('source_ip', ATTACKER)
  return { outcome, profile, incidents: [...storage.incidents.values()], storage }
}

describe('a Kafka batch sent again after a failure', () => {
  it.each([
    ['the events write of its second task', 'events', 2],
    ['the alerts write of a task', 'alerts', 1],
    ['the incidents write of a task', 'incidents', 1],
  ])('counts each event once in profiles and incidents when %s failed', async (_what, table, failAt) => {
    const { outcome, profile, incidents, storage } = await resent(table, failAt)
    expect(outcome.accepted).toBe(30)
    expect(profile!.events).toBe(30)
    expect(incidents).toHaveLength(1)
    const alertsCounted = incidents[0]!.alert_count
    expect(alertsCounted).toBeGreaterThan(0)
    // the same records without any failure give the same counts
    const stages = new Stages(config)
    const clean = flakyStorage('none', 1)
    await new Pipeline(config, new Telemetry(), pool, stages, clean as unknown as Storage).ingest({ body: '', framing: 'records', records, source: 'kafka', requestId: 'k', contentType: 'kafka' })
    expect([...clean.incidents.values()].map((i) => i.alert_count)).toEqual([alertsCounted])
    // the alert rows of the refused write were written on the retry
    expect([...storage.alertIds].sort()).toEqual([...clean.alertIds].sort())
  })
})
