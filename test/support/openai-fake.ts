/**
 * A deterministic OpenAI-compatible server for tests: a real HTTP server on 127.0.0.1 (port 0)
 * speaking the protocol the official `openai` client uses, standing in for a hosted LLM (OpenAI,
 * Azure, vLLM, Ollama, llama.cpp), so the LLM client code is exercised over real HTTP without a
 * model or a network. (The one test against a real model uses scripts/local-llm instead.)
 *
 * - POST /v1/chat/completions: JSON, or `stream: true` as server-sent events (content in chunks,
 *   `finish_reason` in the last choice chunk, usage in a final chunk when `stream_options.include_usage`);
 *   `response_format` json_schema (refused with a 400 naming response_format when `schemaSupport`
 *   is false) and json_object.
 * - POST /v1/embeddings: a deterministic vector per input (floats, or base64 float32).
 * - GET /v1/models.
 *
 * What each request gets is scripted by the test: a queue of replies (`reply(...)`, consumed one per
 * request), else `respond(request)`, else a valid verdict. Replies: a verdict, raw content
 * (malformed JSON), a truncated answer (finish_reason 'length'), an HTTP error with Retry-After,
 * a delay before any of those (beyond the client's timeout), or no answer at all. Every request
 * is recorded (body, headers, when it came and went) and the most requests in flight at once
 * are counted, so tests assert what was sent and how.
 */
import { createHash } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ChatMessage {
  role: string
  content: string
}

export interface ChatBody {
  model: string
  messages: ChatMessage[]
  response_format?: { type: string; json_schema?: { name: string; strict?: boolean; schema?: Record<string, unknown> } }
  stream?: boolean
  stream_options?: { include_usage?: boolean }
  max_tokens?: number
  max_completion_tokens?: number
  temperature?: number
}

export interface EmbeddingsBody {
  model: string
  input: string | string[]
  encoding_format?: 'float' | 'base64'
}

export type FakeReply =
  /** A valid answer: the default verdict with these fields replaced (any JSON value: a test may make it schema-invalid). */
  | { kind: 'verdict'; verdict?: Record<string, unknown> }
  /** This exact content (e.g. malformed JSON, prose). */
  | { kind: 'content'; content: string; finish_reason?: 'stop' | 'length' }
  /** The verdict's JSON cut in half, finish_reason 'length' (max_tokens reached). */
  | { kind: 'truncated' }
  /** An HTTP error in OpenAI's shape, with Retry-After (seconds) when given. */
  | { kind: 'error'; status: number; message?: string; param?: string; retryAfter?: string }
  /** Wait `ms` (stopped if the client goes away), then answer `then` (a verdict by default). */
  | { kind: 'delay'; ms: number; then?: FakeReply }
  /** Never answer (the client must give up on its own). */
  | { kind: 'hang' }

export interface FakeRequest {
  method: string
  path: string
  /** The parsed JSON body (chat or embeddings). */
  body: unknown
  headers: http.IncomingHttpHeaders
  receivedAt: number
  /** When the answer ended, or the client went away. */
  endedAt?: number
  /** The reply it got (its kind), `schema_refused` for the 400 of a server without json_schema. */
  reply: string
  /** The client closed the connection before the answer was complete. */
  aborted: boolean
}

export const DEFAULT_VERDICT = {
  disposition: 'true_positive',
  severity: 'HIGH',
  confidence: 80,
  threat_type: 'brute_force',
  analysis: 'Many failed logons followed by a success from the same address: a successful password guess.',
  recommendations: ['Block the source address', 'Reset the targeted account'],
} as const

export interface FakeOptions {
  /** false: a json_schema response_format is answered 400 (as servers without structured output do). */
  schemaSupport?: boolean
  /** Size of the embeddings' vectors. */
  embeddingDims?: number
  /** The model name answers carry (default: the request's). */
  answerModel?: string
}

const tokensOf = (s: string) => Math.ceil(s.length / 4)

export class OpenAIFake {
  /** Base URL for the `openai` client (`http://127.0.0.1:PORT/v1`). */
  baseUrl = ''
  readonly requests: FakeRequest[] = []
  schemaSupport: boolean
  embeddingDims: number
  /** Chosen when the queue is empty. */
  respond: ((body: ChatBody, request: FakeRequest) => FakeReply | undefined) | undefined
  private readonly queue: FakeReply[] = []
  private readonly embeddingsQueue: FakeReply[] = []
  private inFlightNow = 0
  /** The most chat and embeddings requests in flight at once since start (or `resetCounts`). */
  maxInFlight = 0
  private readonly server: http.Server
  private readonly pending = new Set<NodeJS.Timeout>()

  private constructor(private readonly options: FakeOptions) {
    this.schemaSupport = options.schemaSupport ?? true
    this.embeddingDims = options.embeddingDims ?? 8
    this.respond = undefined
    this.server = http.createServer((req, res) => void this.handle(req, res))
  }

  static async start(options: FakeOptions = {}): Promise<OpenAIFake> {
    const fake = new OpenAIFake(options)
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve))
    fake.baseUrl = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}/v1`
    return fake
  }

  /** Replies for the next chat requests, in order. */
  reply(...replies: FakeReply[]): this {
    this.queue.push(...replies)
    return this
  }

  /** Replies for the next embeddings requests (only `error`, `delay`, `hang` differ from the default). */
  replyEmbeddings(...replies: FakeReply[]): this {
    this.embeddingsQueue.push(...replies)
    return this
  }

  /** Forget the recorded requests and counters (not the queues). */
  resetCounts(): void {
    this.requests.length = 0
    this.maxInFlight = this.inFlightNow
  }

  /** The recorded chat requests' bodies. */
  chatBodies(): ChatBody[] {
    return this.requests.filter((r) => r.path === '/v1/chat/completions').map((r) => r.body as ChatBody)
  }

  async close(): Promise<void> {
    for (const t of this.pending) clearTimeout(t)
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = (req.url ?? '/').split('?')[0]!
    if (req.method === 'GET' && url === '/v1/models') return json(res, 200, { object: 'list', data: [{ id: 'fake', object: 'model', owned_by: 'tests' }] })
    let raw = ''
    for await (const chunk of req) raw += String(chunk)
    let body: unknown
    try {
      body = JSON.parse(raw)
    } catch {
      return json(res, 400, { error: { message: 'body is not JSON', type: 'invalid_request_error', param: null, code: null } })
    }
    const record: FakeRequest = { method: req.method ?? '', path: url, body, headers: req.headers, receivedAt: Date.now(), reply: '', aborted: false }
    this.requests.push(record)
    const chat = url === '/v1/chat/completions'
    const embeddings = url === '/v1/embeddings'
    if (req.method !== 'POST' || (!chat && !embeddings)) {
      record.reply = 'not_found'
      return json(res, 404, { error: { message: `no route ${req.method} ${url}`, type: 'invalid_request_error', param: null, code: null } })
    }
    this.inFlightNow++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlightNow)
    let done = false
    const finish = () => {
      if (done) return
      done = true
      this.inFlightNow--
      record.endedAt = Date.now()
    }
    res.on('finish', finish)
    res.on('close', () => {
      if (!res.writableFinished) record.aborted = true
      finish()
    })
    const reply = chat ? this.next(this.queue, body as ChatBody, record) : (this.embeddingsQueue.shift() ?? { kind: 'verdict' })
    await this.answer(reply, res, record, chat ? { chat: body as ChatBody } : { embeddings: body as EmbeddingsBody })
  }

  private next(queue: FakeReply[], body: ChatBody, record: FakeRequest): FakeReply {
    return queue.shift() ?? this.respond?.(body, record) ?? { kind: 'verdict' }
  }

  private async answer(reply: FakeReply, res: http.ServerResponse, record: FakeRequest, what: { chat?: ChatBody; embeddings?: EmbeddingsBody }): Promise<void> {
    if (reply.kind === 'delay') {
      const gone = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => {
          this.pending.delete(t)
          resolve(false)
        }, reply.ms)
        this.pending.add(t)
        res.once('close', () => {
          clearTimeout(t)
          this.pending.delete(t)
          resolve(true)
        })
      })
      record.reply = `delay ${reply.ms}`
      if (gone) return
      return this.answer(reply.then ?? { kind: 'verdict' }, res, record, what)
    }
    record.reply = record.reply === '' ? reply.kind : `${record.reply} + ${reply.kind}`
    if (reply.kind === 'hang') return
    if (reply.kind === 'error') {
      const headers: Record<string, string> = reply.retryAfter === undefined ? {} : { 'retry-after': reply.retryAfter }
      return json(res, reply.status, { error: { message: reply.message ?? `fake error ${reply.status}`, type: reply.status === 429 ? 'rate_limit_exceeded' : 'server_error', param: reply.param ?? null, code: null } }, headers)
    }
    if (what.embeddings !== undefined) return this.embed(what.embeddings, res)
    const body = what.chat!
    if (body.response_format?.type === 'json_schema' && !this.schemaSupport) {
      record.reply = 'schema_refused'
      return json(res, 400, { error: { message: "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.", type: 'invalid_request_error', param: 'response_format', code: null } })
    }
    const full = JSON.stringify({ ...DEFAULT_VERDICT, ...(reply.kind === 'verdict' ? reply.verdict : {}) })
    const content = reply.kind === 'content' ? reply.content : reply.kind === 'truncated' ? full.slice(0, Math.floor(full.length / 2)) : full
    const finish = reply.kind === 'truncated' ? 'length' : reply.kind === 'content' ? (reply.finish_reason ?? 'stop') : 'stop'
    const promptTokens = tokensOf(body.messages.map((m) => m.content).join(''))
    const usage = { prompt_tokens: promptTokens, completion_tokens: tokensOf(content), total_tokens: promptTokens + tokensOf(content) }
    const id = `chatcmpl-fake-${this.requests.length}`
    const created = Math.floor(Date.now() / 1000)
    const model = this.options.answerModel ?? body.model
    if (body.stream === true) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' })
      const chunk = (delta: Record<string, unknown>, finishReason: string | null, extra: Record<string, unknown> = {}) =>
        res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finishReason }], ...extra })}\n\n`)
      chunk({ role: 'assistant', content: '' }, null)
      for (let i = 0; i < content.length; i += 20) chunk({ content: content.slice(i, i + 20) }, null)
      chunk({}, finish)
      if (body.stream_options?.include_usage === true) res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage })}\n\n`)
      res.end('data: [DONE]\n\n')
      return
    }
    json(res, 200, { id, object: 'chat.completion', created, model, choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: finish }], usage })
  }

  private embed(body: EmbeddingsBody, res: http.ServerResponse): void {
    const inputs = Array.isArray(body.input) ? body.input : [body.input]
    const data = inputs.map((text, index) => {
      const v = fakeEmbedding(text, this.embeddingDims)
      const embedding = body.encoding_format === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v
      return { object: 'embedding', index, embedding }
    })
    const tokens = inputs.reduce((n, t) => n + tokensOf(t), 0)
    json(res, 200, { object: 'list', model: body.model, data, usage: { prompt_tokens: tokens, total_tokens: tokens } })
  }
}

/** The fake's vector for a text: unit length, from its SHA-256 (same text, same vector). */
export function fakeEmbedding(text: string, dims: number): number[] {
  const out: number[] = []
  for (let block = 0; out.length < dims; block++) {
    const h = createHash('sha256').update(`${block}:${text}`).digest()
    for (let i = 0; i + 1 < h.length && out.length < dims; i += 2) out.push(h.readInt16BE(i) / 32768)
  }
  const norm = Math.hypot(...out) || 1
  return out.map((x) => x / norm)
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}
