/** Types of server.mjs for the TypeScript that imports it (tests, benches). */
import type { ChildProcess } from 'node:child_process'

export declare const ES_VERSION: string
/** .tmp/elasticsearch under the repository: build output and run directories. */
export declare const ES_HOME: string

export interface StartOptions {
  /** HTTP port (a free one by default). */
  port?: number
  /** Data, log and pid directory (a fresh one under .tmp/elasticsearch by default); the same one restarts with the same indices. */
  dir?: string
  /** JVM heap, e.g. '512m' (ES_HEAP, else 512m). */
  heap?: string
  timeoutMs?: number
  /** The JVM exits when this process does (default true). */
  exitWithParent?: boolean
}

export interface ElasticsearchNode {
  url: string
  port: number
  dir: string
  pid: number
  child: ChildProcess
  logFile: string
  startMs: number
}

export declare function elasticsearchFetched(): boolean
export declare function javaAvailable(): { ok: boolean; reason: string }
export declare function fetchElasticsearch(opts?: { force?: boolean }): string
export declare function freePort(): Promise<number>
export declare function startElasticsearch(opts?: StartOptions): Promise<ElasticsearchNode>
export declare function stopElasticsearch(node: ElasticsearchNode, opts?: { graceMs?: number; removeData?: boolean }): Promise<void>
export declare function rssMiB(pid: number): number | undefined
