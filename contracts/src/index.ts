export * from './event.js'
export * from './ingest.js'
export * from './profile.js'
export * from './incident.js'
