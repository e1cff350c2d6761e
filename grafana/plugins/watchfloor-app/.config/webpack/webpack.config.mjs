// @ts-check
/**
 * The plugin's build, after `@grafana/create-plugin`'s webpack config: one AMD `module.js` per
 * plugin (the app at the root, nested plugins under their folder), Grafana's shared libraries left
 * external (Grafana's loader hands them in), plugin.json/README/logos copied with %VERSION%,
 * %TODAY% and %PLUGIN_ID% filled in. Plain ESM rather than the scaffold's webpack.config.ts: Node
 * 20 runs it without ts-node, and it has only what this plugin uses.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import CopyWebpackPlugin from 'copy-webpack-plugin'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const SOURCE_DIR = path.join(root, 'src')
const DIST_DIR = path.join(root, 'dist')
const readJson = (/** @type {string} */ p) => JSON.parse(fs.readFileSync(p, 'utf8'))
const pluginJson = readJson(path.join(SOURCE_DIR, 'plugin.json'))
const pluginVersion = readJson(path.join(root, 'package.json')).version

/** Grafana's shared dependencies: provided at run time by Grafana's SystemJS/AMD loader, never bundled. */
export const externals = [
  { 'amd-module': 'module' },
  'lodash',
  'jquery',
  'moment',
  'slate',
  'emotion',
  '@emotion/react',
  '@emotion/css',
  'prismjs',
  'slate-plain-serializer',
  '@grafana/slate-react',
  'react',
  'react/jsx-runtime',
  'react/jsx-dev-runtime',
  'react-dom',
  'react-redux',
  'redux',
  'rxjs',
  'i18next',
  'react-router',
  'd3',
  'angular',
  /^@grafana\/ui/i,
  /^@grafana\/runtime/i,
  /^@grafana\/data/i,
]

/** Every folder under src/ with a plugin.json and a module.ts(x) is one entry: `module`, `panels/triage/module`. */
function entries() {
  /** @type {Record<string, string>} */
  const out = {}
  const walk = (/** @type {string} */ dir) => {
    if (fs.existsSync(path.join(dir, 'plugin.json'))) {
      const mod = ['module.tsx', 'module.ts'].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f))
      if (mod) {
        const rel = path.relative(SOURCE_DIR, dir).split(path.sep).join('/')
        out[rel === '' ? 'module' : `${rel}/module`] = mod
      }
    }
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory() && e.name !== 'img') walk(path.join(dir, e.name))
  }
  walk(SOURCE_DIR)
  return out
}

const fill = (/** @type {Buffer} */ content) =>
  content
    .toString()
    .replace(/%VERSION%/g, pluginVersion)
    .replace(/%TODAY%/g, new Date().toISOString().slice(0, 10))
    .replace(/%PLUGIN_ID%/g, pluginJson.id)

/** @param {Record<string, unknown>} env */
export default (env) => {
  const production = Boolean(env.production)
  /** @type {import('webpack').Configuration} */
  const config = {
    context: SOURCE_DIR,
    devtool: production ? 'source-map' : 'eval-source-map',
    entry: entries(),
    externals,
    mode: production ? 'production' : 'development',
    module: {
      rules: [
        {
          exclude: /node_modules/,
          test: /\.[tj]sx?$/,
          use: {
            loader: 'swc-loader',
            options: {
              jsc: {
                target: 'es2015',
                parser: { syntax: 'typescript', tsx: true },
                transform: { react: { runtime: 'automatic' } },
              },
            },
          },
        },
      ],
    },
    output: {
      clean: true,
      filename: '[name].js',
      chunkFilename: production ? '[name].js?_cache=[contenthash]' : '[name].js',
      library: { type: 'amd' },
      path: DIST_DIR,
      publicPath: `public/plugins/${pluginJson.id}/`,
      uniqueName: pluginJson.id,
    },
    plugins: [
      new CopyWebpackPlugin({
        patterns: [
          { from: 'README.md', to: '.', transform: fill },
          { from: '**/plugin.json', to: '[path][name][ext]', transform: fill },
          { from: '**/img/*.svg', to: '[path][name][ext]' },
        ],
      }),
    ],
    resolve: { extensions: ['.js', '.jsx', '.ts', '.tsx'] },
    performance: { hints: false },
  }
  return config
}
