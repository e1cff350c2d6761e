// @ts-check
/**
 * The standalone UI's build: src/standalone/main.tsx with React and @grafana/ui bundled in (no
 * Grafana to hand them over), for the browser, into dist-standalone/ (index.html, main.js,
 * main.css, page.css, the logo), which the API serves at `/` and `/ui/`. Kept apart from dist/, which is
 * exactly what Grafana loads. Run after webpack by the workspace's `build`.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const out = path.join(root, 'dist-standalone')
const production = !process.argv.includes('--dev')

fs.rmSync(out, { recursive: true, force: true })
const result = await esbuild.build({
  entryPoints: { main: path.join(root, 'src/standalone/main.tsx') },
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  outdir: out,
  minify: production,
  sourcemap: true,
  jsx: 'automatic',
  legalComments: 'linked',
  define: { 'process.env.NODE_ENV': JSON.stringify(production ? 'production' : 'development'), global: 'globalThis' },
  loader: { '.svg': 'file', '.png': 'file', '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.eot': 'file', '.gif': 'file' },
  logLevel: 'warning',
  metafile: true,
})
fs.copyFileSync(path.join(root, 'src/standalone/index.html'), path.join(out, 'index.html'))
fs.copyFileSync(path.join(root, 'src/standalone/page.css'), path.join(out, 'page.css'))
fs.copyFileSync(path.join(root, 'src/img/logo.svg'), path.join(out, 'logo.svg'))
if (!fs.existsSync(path.join(out, 'main.css'))) fs.writeFileSync(path.join(out, 'main.css'), '')
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0)
console.log(`standalone UI: ${path.relative(process.cwd(), out)}/ (${(bytes / 1e6).toFixed(1)} MB with source maps)`)
