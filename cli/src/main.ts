/** `npx watchfloor <command>`: the one entry point for running and measuring Watchfloor. */
import { OPTIONS, WatchfloorError, loadConfig } from '@watchfloor/pipeline'
import { runServer } from '@watchfloor/api'

const USAGE = `Usage: watchfloor <command> [options]

Commands:
  start                 run Watchfloor on the configured (default: embedded) stores
  replay --out DIR [--rules DIR ...] INPUT...
                        run the pipeline over files (.json .ndjson .jsonl .csv, .gz, .zip, - for stdin)
  bench ingest [opts]   measure end-to-end ingest vs the raw engine limit
                        --events N (default 1000000) --batch N (default 5000) --concurrency N (default 4)
                        --corpus compact|mixed (default mixed)
  bench detect [opts]   Sigma rule evaluation per core, then end to end with detection on (--events N)
  config                print the configuration options and their environment variables
  help                  this text
`

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  try {
    switch (command) {
      case 'start':
        return await runServer(loadConfig())
      case 'replay': {
        const { replay } = await import('./replay.js')
        return await replay(rest)
      }
      case 'bench': {
        const { runBench } = await import('./bench/index.js')
        return await runBench(rest)
      }
      case 'config':
        for (const [key, env, desc] of OPTIONS) process.stdout.write(`${env.padEnd(30)} ${key.padEnd(28)} ${desc}\n`)
        return 0
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE)
        return command === undefined ? 1 : 0
      default:
        process.stderr.write(`unknown command: ${command}\n\n${USAGE}`)
        return 2
    }
  } catch (err) {
    if (err instanceof WatchfloorError && err.code === 'CONFIG_INVALID') {
      process.stderr.write(`watchfloor: ${err.message}\n`)
      return 78
    }
    process.stderr.write(`watchfloor: ${command ?? ''} failed: ${err instanceof Error ? err.message : String(err)}\n`)
    if (process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace') process.stderr.write(`${(err as Error).stack ?? ''}\n`)
    return 1
  }
}
