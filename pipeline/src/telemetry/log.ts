/** The logger components report to: pino's call shape (Fastify's logger is one), or nothing. */
export interface Log {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  error(obj: object, msg: string): void
}

export const SILENT: Log = { info: () => undefined, warn: () => undefined, error: () => undefined }

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const

/** JSON lines on stderr in pino's shape (`level`, `time`, `msg`, fields), from `level` up; `silent` logs nothing. */
export function jsonLog(level: string, write: (line: string) => void = (l) => process.stderr.write(l)): Log {
  if (level === 'silent') return SILENT
  const min = Math.max(0, LEVELS.indexOf(level as (typeof LEVELS)[number]))
  const at = (name: 'info' | 'warn' | 'error', n: number) => (obj: object, msg: string) => {
    if (LEVELS.indexOf(name) >= min) write(JSON.stringify({ level: n, time: Date.now(), component: 'pipeline', ...obj, msg }) + '\n')
  }
  return { info: at('info', 30), warn: at('warn', 40), error: at('error', 50) }
}
