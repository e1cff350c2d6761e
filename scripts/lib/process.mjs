/** What the scripts that start real servers for tests (Kafka, Elasticsearch, the local model) share. */
import { existsSync, readFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** A TCP port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
    srv.once('error', reject)
  })
}

/** The value after `--name` in a script's arguments, or undefined. */
export function optionOf(args, name) {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}

/** Runs `main` when the module at `moduleUrl` is the script node was started with (not when imported); a failure exits 1 with its stack. */
export function runIfMain(moduleUrl, main) {
  if (!process.argv[1] || path.resolve(process.argv[1]) !== fileURLToPath(moduleUrl)) return
  main().catch((err) => {
    process.stderr.write(`${err.stack ?? err}\n`)
    process.exit(1)
  })
}

/** Stops a child process: SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
export async function stopChild(child, graceMs, pollMs = 50) {
  const alive = () => child.exitCode === null && child.signalCode === null
  if (!alive()) return
  child.kill('SIGTERM')
  const deadline = Date.now() + graceMs
  while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, pollMs))
  if (alive()) child.kill('SIGKILL')
  while (alive()) await new Promise((r) => setTimeout(r, 50))
}

/** The `stop` command of a server started detached: SIGTERM to the pid in `pidFile`; with no such file it says so and exits 1. Returns the pid. */
export function terminateFromPidFile(pidFile, what) {
  if (!existsSync(pidFile)) {
    process.stderr.write(`no ${what} pid file at ${pidFile}\n`)
    process.exit(1)
  }
  const pid = Number(readFileSync(pidFile, 'utf8'))
  try {
    process.kill(pid, 'SIGTERM')
  } catch {
    // already stopped
  }
  return pid
}
