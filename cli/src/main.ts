/** `npx watchfloor <command>`: the one entry point for running and measuring Watchfloor. */
import { WatchfloorError, loadConfig, optionsTable, optionsText } from '@watchfloor/pipeline'
import { runServer } from '@watchfloor/api'
import { USAGE } from './usage.js'

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
      case 'generate': {
        const { runGenerate } = await import('./generate/index.js')
        return await runGenerate(rest)
      }
      case 'schema': {
        const { runSchema } = await import('./schema.js')
        return await runSchema(rest)
      }
      case 'demo': {
        const { runDemo } = await import('./demo.js')
        return await runDemo(rest)
      }
      case 'send': {
        const { runSend } = await import('./send.js')
        return await runSend(rest)
      }
      case 'score': {
        const { runScore } = await import('./score.js')
        return await runScore(rest)
      }
      case 'bench': {
        const { runBench } = await import('./bench/index.js')
        return await runBench(rest)
      }
      case 'config':
        process.stdout.write(rest.includes('--markdown') ? optionsTable() : optionsText())
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
