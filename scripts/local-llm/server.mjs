/**
 * A minimal OpenAI-compatible server over node-llama-cpp (CPU, prebuilt binary): GET /v1/models and
 * POST /v1/chat/completions (JSON and `stream: true` SSE; `response_format` json_schema enforced by a
 * grammar, json_object by the JSON grammar), one request at a time. Started by model.mjs, which
 * passes MODEL, MODEL_ID, PORT, THREADS (1: the 2 cores are shared), CTX and RUNTIME (where
 * node-llama-cpp was installed, .tmp/local-llm/runtime). From ../shared/recipes/local-llm.
 */
import http from 'node:http'
import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

const MODEL = process.env.MODEL
const PORT = Number(process.env.PORT ?? 18088)
const MODEL_ID = process.env.MODEL_ID ?? path.basename(MODEL ?? 'model')
const THREADS = Number(process.env.THREADS ?? 1)
if (!MODEL || !process.env.RUNTIME) throw new Error('MODEL and RUNTIME must be set (start it with node scripts/local-llm/model.mjs start)')

// node-llama-cpp lives in .tmp/local-llm/runtime, not in the workspace's node_modules
const entry = createRequire(path.join(process.env.RUNTIME, 'package.json')).resolve('node-llama-cpp')
const { getLlama, LlamaChat } = await import(pathToFileURL(entry).href)

const t0 = Date.now()
const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'warn' })
const model = await llama.loadModel({ modelPath: MODEL })
const context = await model.createContext({ contextSize: Number(process.env.CTX ?? 2048), threads: THREADS, sequences: 1 })
const sequence = context.getSequence()
const jsonGrammar = await llama.getGrammarFor('json')
console.error(`loaded ${MODEL_ID} in ${Date.now() - t0} ms`)

// one request at a time (a single sequence)
let queue = Promise.resolve()
const serialize = (fn) => {
  const p = queue.then(fn, fn)
  queue = p.catch(() => {})
  return p
}

function toHistory(messages) {
  const h = []
  for (const m of messages) {
    const text = typeof m.content === 'string' ? m.content : Array.isArray(m.content) ? m.content.filter((c) => c.type === 'text').map((c) => c.text).join('') : ''
    if (m.role === 'system' || m.role === 'developer') h.push({ type: 'system', text })
    else if (m.role === 'assistant') h.push({ type: 'model', response: [text] })
    else h.push({ type: 'user', text })
  }
  h.push({ type: 'model', response: [] })
  return h
}

async function grammarFor(rf) {
  if (!rf || rf.type === 'text') return undefined
  if (rf.type === 'json_object') return jsonGrammar
  if (rf.type === 'json_schema') return await llama.createGrammarForJsonSchema(rf.json_schema.schema)
  throw Object.assign(new Error(`unsupported response_format ${rf.type}`), { status: 400 })
}

async function complete(body, onDelta) {
  const grammar = await grammarFor(body.response_format)
  const chat = new LlamaChat({ contextSequence: sequence, autoDisposeSequence: false })
  let completionTokens = 0
  const started = performance.now()
  let firstTokenAt
  try {
    const res = await chat.generateResponse(toHistory(body.messages), {
      grammar,
      maxTokens: body.max_completion_tokens ?? body.max_tokens ?? 256,
      temperature: body.temperature ?? 0,
      topP: body.top_p,
      seed: body.seed,
      onToken: (tokens) => {
        completionTokens += tokens.length
        firstTokenAt ??= performance.now()
      },
      onTextChunk: (t) => onDelta?.(t),
    })
    const promptTokens = Math.max(0, sequence.contextTokens.length - completionTokens)
    return {
      text: res.response,
      finish: res.metadata?.stopReason === 'maxTokens' ? 'length' : 'stop',
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
      timings: { ttft_ms: (firstTokenAt ?? performance.now()) - started, total_ms: performance.now() - started },
    }
  } finally {
    chat.dispose({ disposeSequence: false })
  }
}

const send = (res, status, obj) => {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(obj))
}

const server = http.createServer(async (req, res) => {
  try {
    if (req.method === 'GET' && req.url === '/v1/models') return send(res, 200, { object: 'list', data: [{ id: MODEL_ID, object: 'model', owned_by: 'local' }] })
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return send(res, 404, { error: { message: 'not found' } })
    let raw = ''
    for await (const c of req) raw += c
    const body = JSON.parse(raw)
    const id = `chatcmpl-${Math.random().toString(36).slice(2)}`
    const created = Math.floor(Date.now() / 1000)
    if (body.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
      const chunk = (delta, finish = null) => res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: MODEL_ID, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`)
      chunk({ role: 'assistant', content: '' })
      const out = await serialize(() => complete(body, (t) => chunk({ content: t })))
      chunk({}, out.finish)
      res.end('data: [DONE]\n\n')
      return
    }
    const out = await serialize(() => complete(body))
    send(res, 200, {
      id,
      object: 'chat.completion',
      created,
      model: MODEL_ID,
      choices: [{ index: 0, message: { role: 'assistant', content: out.text }, finish_reason: out.finish }],
      usage: out.usage,
      timings: out.timings,
    })
  } catch (e) {
    if (!res.headersSent) send(res, e.status ?? 500, { error: { message: String(e?.message ?? e) } })
    else res.end()
  }
})
server.listen(PORT, '127.0.0.1', () => console.error(`listening on http://127.0.0.1:${PORT}/v1`))
for (const sig of ['SIGTERM', 'SIGINT']) process.once(sig, () => server.close(() => process.exit(0)) && setTimeout(() => process.exit(0), 1000).unref())
