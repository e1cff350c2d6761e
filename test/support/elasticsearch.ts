/**
 * A real Elasticsearch node for an integration test file, started through the project's own
 * script (scripts/elasticsearch/server.mjs): once per file, on a free port, in a fresh directory
 * under .tmp/elasticsearch, stopped (and its data removed) after the file.
 *
 *   const es = needElasticsearch()
 *   describe.skipIf(!es.have)(es.title('the elasticsearch index'), () => {
 *     const node = elasticsearchNode()
 *     it('...', async () => { new Client({ node: node.url }) ... })
 *   })
 *
 * Without Java or without the fetched jars the suite is reported as skipped with the reason in
 * its name; with CI=true either is an error (`.ci/run` fetches the jars), so CI never passes by
 * skipping.
 */
import { afterAll, beforeAll } from 'vitest'
import {
  elasticsearchFetched,
  javaAvailable,
  rssMiB,
  startElasticsearch,
  stopElasticsearch,
  type ElasticsearchNode,
  type StartOptions,
} from '../../scripts/elasticsearch/server.mjs'
import { need, type Need } from './need.js'

/** Whether an Elasticsearch node can start here. */
export type ElasticsearchNeed = Need

export function needElasticsearch(): ElasticsearchNeed {
  const java = javaAvailable()
  const reason = !java.ok ? java.reason : !elasticsearchFetched() ? 'the Elasticsearch jars are not fetched; run `node scripts/elasticsearch/server.mjs fetch`' : ''
  return need(reason, () => `CI=true and no Elasticsearch node can start: ${reason}`)
}

export interface TestNode {
  /** http://127.0.0.1:<port> (the same across `stop()` / `start()`) */
  readonly url: string
  readonly pid: number
  /** Resident memory of the node's JVM in MiB. */
  rssMiB(): number | undefined
  /** Stops the node and keeps its data (an outage). */
  stop(): Promise<void>
  /** Starts it again on the same port with the same data. */
  start(): Promise<void>
}

/** Registers beforeAll/afterAll in the calling suite: one node for the file. */
export function elasticsearchNode(opts: Omit<StartOptions, 'port' | 'dir' | 'exitWithParent'> = {}): TestNode {
  let node: ElasticsearchNode | undefined
  let running = false
  beforeAll(async () => {
    node = await startElasticsearch(opts)
    running = true
  }, 240_000)
  afterAll(async () => {
    if (node) await stopElasticsearch(node)
  }, 60_000)
  const current = (): ElasticsearchNode => {
    if (node === undefined) throw new Error('the Elasticsearch node is not started (use it inside the suite that called elasticsearchNode())')
    return node
  }
  return {
    get url() {
      return current().url
    },
    get pid() {
      return current().pid
    },
    rssMiB: () => (running ? rssMiB(current().pid) : undefined),
    async stop() {
      await stopElasticsearch(current(), { removeData: false })
      running = false
    },
    async start() {
      const n = current()
      node = await startElasticsearch({ ...opts, port: n.port, dir: n.dir })
      running = true
    },
  }
}
