export * from './event.js'
export * from './ingest.js'
