import { defineConfig } from 'vitest/config'
import { fileURLToPath } from 'node:url'

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))

export default defineConfig({
  resolve: {
    alias: {
      '@watchfloor/contracts': here('./contracts/src/index.ts'),
    },
  },
  test: {
    include: ['**/src/**/*.test.ts', '**/test/**/*.test.ts', 'grafana/plugins/*/src/**/*.test.tsx'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // the Grafana plugin's tests import @grafana/ui, which imports CSS: Vite transforms it instead of Node
    server: { deps: { inline: [/@grafana\//] } },
  },
})
