/**
 * The hot path may be rewritten for speed, never for output: a fixed sample (the repository's
 * fixtures of every format plus a seeded generated stream) replayed and transformed gives the same
 * bytes as the commit that wrote `golden/sample.sha256.json`. Covered: `replay`'s four files, and
 * the `events` rows as ClickHouse stores them (every column, read back from the engine: the row
 * text may change encoding, the stored values may not) and the `alerts` rows the live pipeline
 * writes for the same records.
 *
 * A change that is meant to alter the output rewrites the digests: `UPDATE_GOLDEN=1 npx vitest
 * run cli/test/golden.test.ts`, and the commit says why.
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { BUILTIN_RULES_DIR, Stages, createTransform, fileRecordId, loadConfig, makeTask, migrate, openStore, readRecords, workerSettings, type FramedRecord, type TransformResult } from '@watchfloor/pipeline'
import { alertRows } from '../../pipeline/src/sinks/clickhouse/rows.js'
import { INSERT_SETTINGS } from '../../pipeline/src/sinks/clickhouse/sink.js'
import { fixturePath } from '../../test/support/data.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const GOLDEN = path.join(ROOT, 'cli/test/golden/sample.sha256.json')
const tmp = mkdtempSync(path.join(os.tmpdir(), 'wf-golden-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

/** The inputs, by the relative name they are replayed under (record ids are derived from it). */
const FIXTURES: Record<string, string> = {
  'ait.csv': fixturePath('ait', 'russellmitchell_alerts.sample.csv'),
  'sdwin.json': fixturePath('otrf', 'SDWIN-190518210125.sample.json'),
  'sdlin.log': fixturePath('otrf', 'SDLIN-201110074812.log'),
  'sigma.jsonl': fixturePath('sigma', 'regression_events.sample.jsonl'),
  'conn.log': fixturePath('zeek', 'conn.log'),
  'kerberos.log': fixturePath('zeek', 'kerberos.log'),
  'ntlm.log': fixturePath('zeek', 'ntlm.log'),
}
const INPUTS = [...Object.keys(FIXTURES), 'generated.ndjson']

const cli = (args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'cli/bin/watchfloor.js'), ...args], { cwd: tmp, encoding: 'utf8', timeout: 120_000 })
const sha = (bytes: string | Uint8Array) => createHash('sha256').update(bytes).digest('hex')

function prepare(): void {
  for (const [name, from] of Object.entries(FIXTURES)) copyFileSync(from, path.join(tmp, name))
  const gen = cli(['generate', '--events', '4000', '--seed', '11', '--start', '2026-11-20T08:00:00Z', '--duration', '6h', '--out', 'generated.ndjson'])
  expect(gen.status, gen.stderr).toBe(0)
}

/** The events as stored and the alerts rows, as the live pipeline's workers and stages make them for these records (ingest time fixed). */
async function rows(): Promise<Record<string, string>> {
  const config = loadConfig({ env: {}, overrides: { dataDir: tmp } })
  const store = await openStore(config)
  await migrate(store.client)
  const { records } = await readRecords(INPUTS.map((i) => path.join(tmp, i)), {})
  const transform = createTransform({ ...workerSettings(config), ruleDirs: [BUILTIN_RULES_DIR] })
  const stages = new Stages(config, { maxProfiles: Number.MAX_SAFE_INTEGER, clock: () => '2026-11-20T00:00:00.000Z' })
  const tasks = makeTask(config)
  const events = createHash('sha256')
  const alerts = createHash('sha256')
  let count = 0
  const per = config.pipeline.batchRecords
  for (let i = 0; i < records.length; i += per) {
    const framed = records.slice(i, i + per).map((r): FramedRecord => ({ kind: r.kind, raw: r.raw, id: fileRecordId(path.basename(r.input), r.line), ...(r.cells ? { cells: r.cells } : {}) }))
    for (const task of tasks.split({ framing: 'records', records: framed, source: 'http', ingested: '2026-11-20T12:00:00.000Z' })) {
      const res = transform(task) as TransformResult
      expect(res.ok).toBe(true)
      await store.insertJsonRows('events', res.rows, INSERT_SETTINGS)
      count += res.ids.length
      const batch = stages.process(res)
      if (batch.alerts.length > 0) alerts.update(alertRows(batch.alerts, '2026-11-20T12:00:01.000Z').rows)
    }
  }
  expect(count).toBeGreaterThan(4000)
  // every column but those added after the digest was recorded (original_encoding, migration 0012:
  // empty on every row of this valid UTF-8 sample, checked here)
  const added = await store.client.query({ query: "SELECT count() AS n FROM events WHERE original_encoding != ''", format: 'JSONEachRow' })
  expect(await added.json()).toEqual([{ n: 0 }])
  const stored = await store.client.query({ query: 'SELECT * EXCEPT (original_encoding) FROM events ORDER BY event_id', format: 'JSONEachRow' })
  events.update(await stored.text())
  await store.close()
  return { 'events stored': events.digest('hex'), 'alerts rows': alerts.digest('hex') }
}

describe('the hot path keeps its output byte for byte', () => {
  it('replay outputs and the stored rows of a fixed sample match the recorded digests', async () => {
    prepare()
    const res = cli(['replay', '--out', 'out', ...INPUTS])
    expect(res.status, res.stderr).toBe(0)
    const got: Record<string, string> = {}
    for (const f of ['records.ndjson', 'alerts.ndjson', 'incidents.ndjson']) got[`replay ${f}`] = sha(readFileSync(path.join(tmp, 'out', f)))
    // the summary names the rule directories by absolute path: relative to the checkout, so any clone compares
    const summaryDoc = JSON.parse(readFileSync(path.join(tmp, 'out', 'summary.json'), 'utf8')) as { rules_dirs: string[] }
    summaryDoc.rules_dirs = summaryDoc.rules_dirs.map((d) => path.relative(ROOT, d))
    got['replay summary.json'] = sha(JSON.stringify(summaryDoc, null, 2) + '\n')
    Object.assign(got, await rows())
    const summary = JSON.parse(readFileSync(path.join(tmp, 'out', 'summary.json'), 'utf8')) as { records: number; alerts: number }
    // the sample must exercise the detection path, not only decoding
    expect(summary.alerts).toBeGreaterThan(50)
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(GOLDEN)) {
      if (process.env.CI === 'true') throw new Error(`${GOLDEN} is missing`)
      writeFileSync(GOLDEN, JSON.stringify(got, null, 2) + '\n')
    }
    expect(got).toEqual(JSON.parse(readFileSync(GOLDEN, 'utf8')))
  }, 180_000)
})
