/**
 * The analysts' UI without Grafana: the standalone bundle of the triage panel (built by the
 * Grafana app workspace into dist-standalone/) served at `/` (index.html) and `/ui/*` (its
 * assets). Static and open (the data comes from the API, with the analyst's token); every answer
 * of this plugin carries a strict Content-Security-Policy. Without a build, `/` says how to make
 * one instead of a 404.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyPluginAsync } from 'fastify'
import fastifyStatic from '@fastify/static'

/** Where `npm run build` puts the bundle, from this file in api/src/routes or api/dist/routes. */
export const DEFAULT_UI_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../grafana/plugins/watchfloor-app/dist-standalone')

/** The prefix of the bundle's assets. */
export const UI_PREFIX = '/ui/'

// Emotion (the components' styles) writes <style> elements at run time: styles need
// 'unsafe-inline'; scripts and connections are same-origin only.
export const UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "connect-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

export const UI_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': UI_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
}

export interface UiOptions {
  /** The built bundle's folder (default: the Grafana app workspace's dist-standalone/). */
  root?: string
}

const NOT_BUILT = 'The Watchfloor UI is not built yet.\n\nRun `npm run build` in the repository, then reload this page.\nThe API is running: its documentation is at /docs.\n'

const uiRoutes: FastifyPluginAsync<UiOptions> = async (app, opts) => {
  const root = opts.root ?? DEFAULT_UI_ROOT
  app.addHook('onSend', async (_req, reply, payload) => {
    void reply.headers(UI_HEADERS)
    return payload
  })
  const schema = { hide: true }
  const built = () => fs.existsSync(path.join(root, 'index.html'))

  // decorateReply: false leaves reply.sendFile to other plugins; the index is sent from here
  if (fs.existsSync(root)) await app.register(fastifyStatic, { root, prefix: UI_PREFIX, decorateReply: false, index: false, wildcard: true, maxAge: '1h', schemaHide: true })
  else app.get(`${UI_PREFIX}*`, { schema }, async (_req, reply) => reply.status(404).type('text/plain; charset=utf-8').send(NOT_BUILT))

  app.get('/', { schema }, async (_req, reply) => {
    if (!built()) return reply.status(503).type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT)
    const html = await fs.promises.readFile(path.join(root, 'index.html'))
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(html)
  })
}

export default uiRoutes
