import { writeFileSync, mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig, redactConfig } from './load.js'
import { WatchfloorError } from '../errors.js'

describe('loadConfig', () => {
  it('uses the embedded defaults with no environment', () => {
    const c = loadConfig({ env: {} })
    expect(c.port).toBe(8080)
    expect(c.clickhouse.url).toBeUndefined()
    expect(c.ingest.maxBodyBytes).toBe(64 * 1024 * 1024)
    expect(c.pipeline.workers).toBeGreaterThanOrEqual(1)
    expect(path.isAbsolute(c.dataDir)).toBe(true)
  })

  it('reads environment variables, including sizes with units', () => {
    const c = loadConfig({ env: { PORT: '9000', INGEST_MAX_BODY_BYTES: '8mb', CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_FSYNC: 'true', PIPELINE_WORKERS: '3' } })
    expect(c.port).toBe(9000)
    expect(c.ingest.maxBodyBytes).toBe(8 * 1024 * 1024)
    expect(c.clickhouse.url).toBe('http://ch:8123')
    expect(c.clickhouse.fsync).toBe(true)
    expect(c.pipeline.workers).toBe(3)
  })

  it('lists every problem at once, naming the environment variable', () => {
    let err: unknown
    try {
      loadConfig({ env: { PORT: '99999', INGEST_MAX_BODY_BYTES: 'lots', CLICKHOUSE_URL: 'ftp://x', LOG_LEVEL: 'loud' } })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(WatchfloorError)
    const msg = (err as WatchfloorError).message
    expect((err as WatchfloorError).code).toBe('CONFIG_INVALID')
    expect(msg).toMatch(/4 problem/)
    expect(msg).toContain('port (PORT)')
    expect(msg).toContain('ingest.maxBodyBytes (INGEST_MAX_BODY_BYTES)')
    expect(msg).toContain('clickhouse.url (CLICKHOUSE_URL)')
    expect(msg).toContain('logLevel (LOG_LEVEL)')
  })

  it('reads an optional YAML file, with the environment taking precedence, and rejects unknown keys', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wf-config-'))
    const file = path.join(dir, 'watchfloor.yaml')
    writeFileSync(file, 'port: 7000\npipeline:\n  workers: 5\n')
    const c = loadConfig({ env: { WATCHFLOOR_CONFIG: file, PORT: '7100' } })
    expect(c.port).toBe(7100)
    expect(c.pipeline.workers).toBe(5)
    writeFileSync(file, 'prot: 7000\n')
    expect(() => loadConfig({ env: { WATCHFLOOR_CONFIG: file } })).toThrow(/prot/)
  })

  it('is frozen and redacts the ClickHouse password', () => {
    const c = loadConfig({ env: { CLICKHOUSE_PASSWORD: 's3cret' } })
    expect(Object.isFrozen(c.clickhouse)).toBe(true)
    expect(JSON.stringify(redactConfig(c))).not.toContain('s3cret')
  })
})
