/** The standalone UI's routes on a bare Fastify: the index at /, assets under /ui/, the safe headers, and what answers without a build. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Fastify from 'fastify'
import { afterAll, describe, expect, it } from 'vitest'
import uiRoutes, { UI_CSP } from './ui.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'watchfloor-ui-'))
const built = path.join(dir, 'built')
fs.mkdirSync(built)
fs.writeFileSync(path.join(built, 'index.html'), '<!doctype html><div id="root"></div><script type="module" src="/ui/main.js"></script>')
fs.writeFileSync(path.join(built, 'main.js'), 'console.log(1)')
fs.writeFileSync(path.join(dir, 'secret.txt'), 'outside the bundle')
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

async function appWith(root: string) {
  const app = Fastify()
  await app.register(uiRoutes, { root })
  app.get('/api/other', async () => ({ ok: true }))
  return app
}

describe('the standalone UI routes', () => {
  it('serve index.html at / and the bundle under /ui/, each with the CSP, nosniff and no-referrer', async () => {
    const app = await appWith(built)
    const index = await app.inject({ method: 'GET', url: '/' })
    expect(index.statusCode).toBe(200)
    expect(index.headers['content-type']).toMatch(/^text\/html/)
    expect(index.body).toContain('/ui/main.js')
    const js = await app.inject({ method: 'GET', url: '/ui/main.js' })
    expect(js.statusCode).toBe(200)
    expect(js.headers['content-type']).toMatch(/javascript/)
    for (const res of [index, js]) {
      expect(res.headers['content-security-policy']).toBe(UI_CSP)
      expect(res.headers['x-content-type-options']).toBe('nosniff')
      expect(res.headers['referrer-policy']).toBe('no-referrer')
    }
    expect(UI_CSP).toContain("script-src 'self'")
    expect(UI_CSP).toContain("connect-src 'self'")
    expect(UI_CSP).not.toMatch(/script-src[^;]*unsafe/)
    // the headers stay with the UI: the API's other routes are untouched
    expect((await app.inject({ method: 'GET', url: '/api/other' })).headers['content-security-policy']).toBeUndefined()
    await app.close()
  })

  it('serves nothing outside the bundle, and 404 for what it lacks', async () => {
    const app = await appWith(built)
    expect((await app.inject({ method: 'GET', url: '/ui/../secret.txt' })).body).not.toContain('outside the bundle')
    expect((await app.inject({ method: 'GET', url: '/ui/%2e%2e/secret.txt' })).body).not.toContain('outside the bundle')
    expect((await app.inject({ method: 'GET', url: '/ui/nope.js' })).statusCode).toBe(404)
    await app.close()
  })

  it('says to run npm run build when the bundle is missing', async () => {
    const app = await appWith(path.join(dir, 'missing'))
    const res = await app.inject({ method: 'GET', url: '/' })
    expect(res.statusCode).toBe(503)
    expect(res.headers['content-type']).toMatch(/^text\/plain/)
    expect(res.body).toContain('npm run build')
    expect(res.headers['content-security-policy']).toBe(UI_CSP)
    expect((await app.inject({ method: 'GET', url: '/ui/main.js' })).statusCode).toBe(404)
    await app.close()
  })
})
