/** The logger components report to: pino's call shape (Fastify's logger is one), or nothing. */
export interface Log {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  error(obj: object, msg: string): void
}

export const SILENT: Log = { info: () => undefined, warn: () => undefined, error: () => undefined }
