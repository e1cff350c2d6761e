/**
 * No secret in the logs: `watchfloor start` at LOG_LEVEL=trace, with an LLM API key and an
 * Elasticsearch password configured, the admin token created at first start, tokens made and used,
 * refused requests with forged tokens and failing requests. The whole log (stdout and stderr) is
 * scanned for every secret the process handled.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { spawnWatchfloor, tempDir } from '../helpers.js'

const tmp = tempDir('watchfloor-secrets-')
afterAll(() => tmp.cleanup())

describe('logs', () => {
  it('never contain a token, an API key or a password, at the most verbose level', async () => {
    const secrets = { OPENAI_API_KEY: 'sk-test-secret-0123456789abcdef', ELASTICSEARCH_PASSWORD: 'es-pass-secret-42', CLICKHOUSE_PASSWORD: 'ch-pass-secret-7' }
    // Elasticsearch is configured but not reachable: the search component logs its failures (with the URL, never the password)
    const wf = await spawnWatchfloor({ DATA_DIR: tmp.dir, LOG_LEVEL: 'trace', API_AUTH: 'all', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', ELASTICSEARCH_URL: 'http://127.0.0.1:9', ELASTICSEARCH_USERNAME: 'elastic', ...secrets })
    try {
      const deadline = Date.now() + 10_000
      while (!/First start: admin API token/.test(wf.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
      const admin = /First start: admin API token[^\n]*\n\s+(\S{20,})/.exec(wf.output())?.[1]
      expect(admin, wf.output().slice(0, 500)).toBeDefined()
      const call = (path: string, token: string, init: RequestInit = {}) => fetch(`${wf.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers ?? {}) } })
      const made = (await (await call('/api/tokens', admin!, { method: 'POST', body: JSON.stringify({ name: 'shipper', role: 'ingest' }) })).json()) as { token: string }
      expect((await call('/api/ingest', made.token, { method: 'POST', body: '{"event_type":"login","source_ip":"10.0.0.1"}' })).status).toBe(202)
      const forged = 'forged-token-that-is-secret-too-123456'
      expect((await call('/api/incidents', forged)).status).toBe(401)
      expect((await call('/api/incident/nope/status', admin!, { method: 'POST', body: '{"status":"bogus"}' })).status).toBe(400)
      await call('/api/incident/nope/suggest', admin!, { method: 'POST' })
      await new Promise((r) => setTimeout(r, 1500))
      const log = wf.output()
      // the admin token is printed once on stdout at first start, by design; nowhere else
      expect(log.split(admin!).length - 1).toBe(1)
      for (const s of [...Object.values(secrets), made.token, forged]) expect(log, s).not.toContain(s)
      expect(log.length).toBeGreaterThan(1000) // trace level did log
    } finally {
      wf.child.kill('SIGTERM')
      await new Promise((r) => wf.child.on('exit', r))
    }
  }, 120_000)
})
