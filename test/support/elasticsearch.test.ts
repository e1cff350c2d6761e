/** When an Elasticsearch suite runs, is skipped with its reason, or fails (CI). */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { needElasticsearch } from './elasticsearch.js'

afterEach(() => vi.unstubAllEnvs())

describe('the Elasticsearch test node setting', () => {
  it('skips with the reason in the suite name when Java cannot start, and prints one line', () => {
    vi.stubEnv('CI', 'false')
    vi.stubEnv('JAVA', '/nonexistent/bin/java')
    const need = needElasticsearch()
    expect(need.have).toBe(false)
    expect(need.reason).toMatch(/^no Java at '\/nonexistent\/bin\/java' .*JDK 17\+ is needed$/)
    const log = vi.spyOn(console, 'log').mockImplementation(() => {})
    try {
      expect(need.title('a suite')).toBe(`a suite (skipped: ${need.reason})`)
      expect(log.mock.calls).toEqual([[`skipped: a suite: ${need.reason}`]])
    } finally {
      log.mockRestore()
    }
  })

  it('fails under CI=true instead of skipping', () => {
    vi.stubEnv('CI', 'true')
    vi.stubEnv('JAVA', '/nonexistent/bin/java')
    expect(() => needElasticsearch()).toThrow(/^CI=true and no Elasticsearch node can start: no Java/)
  })
})
