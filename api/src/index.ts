export { buildApp, type AppDeps } from './app.js'
export { startServer, runServer, type Running } from './server.js'
export { framingFor } from '@watchfloor/pipeline'
