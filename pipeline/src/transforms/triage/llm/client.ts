/**
 * The one way Watchfloor talks to an OpenAI-compatible endpoint (OpenAI, Azure, vLLM, Ollama,
 * llama.cpp): the official `openai` client with its own retries off (`maxRetries: 0`) and ours
 * instead, so that every request is counted against the hourly budget, a 429's Retry-After is
 * honoured, and the whole exchange (retries and backoff included) ends by one deadline.
 *
 * A concurrency cap holds a slot for a whole exchange (a triage may be two requests: an answer
 * and its repair). Failures are thrown as `LlmCallError` (catalogue code LLM_UNAVAILABLE) with a
 * stable `kind`; the triager turns them into a failed suggestion, never into a crash.
 */
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai'
import type { ChatCompletionCreateParamsNonStreaming, ChatCompletionMessageParam } from 'openai/resources/chat/completions'
import { WatchfloorError } from '../../../errors.js'
import type { HourlyBudget } from './budget.js'

/**
 * Why a call failed, stable for counting and for the suggestion's `reason` (which starts with it):
 * `budget` (refused before sending), `timeout` (no answer by the deadline), `rate_limited` (429
 * after the retries), `server_error` (5xx after the retries), `connection`, `refused` (another
 * 4xx: key, model, request), `schema_unsupported` (the server refused `json_schema`; the triager
 * falls back to `json_object`), `invalid_output` (no valid verdict after the repair), `internal`
 * (a defect on our side, e.g. a context that cannot be put in a prompt).
 */
export const LLM_FAILURES = ['budget', 'timeout', 'rate_limited', 'server_error', 'connection', 'refused', 'schema_unsupported', 'invalid_output', 'internal'] as const
export type LlmFailure = (typeof LLM_FAILURES)[number]

export class LlmCallError extends WatchfloorError {
  constructor(
    readonly kind: LlmFailure,
    readonly detail: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super('LLM_UNAVAILABLE', `${kind}: ${detail}`, options?.cause === undefined ? undefined : { cause: options.cause })
    this.status = options?.status
  }
  readonly status: number | undefined
  /** `kind: detail`, what a failed suggestion records as its reason. */
  get reason(): string {
    return `${this.kind}: ${this.detail}`
  }
}

export interface LlmClientOptions {
  /** Base URL of the API (`.../v1`); unset: OpenAI's. */
  baseUrl: string | undefined
  /** Empty for servers that need none (a placeholder is sent: the client requires one). */
  apiKey: string
  /** The deadline of one exchange, retries and backoff included. */
  timeoutMs: number
  /** Retries of a request answered 429 or 5xx (or not answered: connection refused or reset). */
  maxRetries: number
  /** Exchanges in flight at once. */
  concurrency: number
  /** Counted before every request that is sent; none: unlimited. */
  budget?: HourlyBudget
  /** First backoff when the server gives no Retry-After, doubled per retry (jittered), ms. */
  backoffMs?: number
  /** Longest backoff without a Retry-After, ms. */
  maxBackoffMs?: number
}

export interface ChatRequest {
  model: string
  messages: ChatCompletionMessageParam[]
  response_format?: ChatCompletionCreateParamsNonStreaming['response_format']
  max_tokens: number
  temperature?: number
  /** Receive the answer as server-sent events (same result; usage from the final chunk). */
  stream?: boolean
}

export interface ChatAnswer {
  content: string
  /** `stop`, `length` (cut at max_tokens: the JSON is truncated), ... */
  finishReason: string
  /** The model that answered, as the server names it. */
  model: string
  usage: { prompt: number; completion: number }
}

/** When the exchange must be over (ms since the epoch). */
export interface Deadline {
  readonly at: number
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** A counting semaphore: at most `size` holders, the others wait in order. */
class Slots {
  private used = 0
  private readonly waiting: Array<() => void> = []
  constructor(private readonly size: number) {}
  async acquire(): Promise<() => void> {
    if (this.used >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve))
    else this.used++
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.waiting.shift()
      if (next !== undefined) next()
      else this.used--
    }
  }
}

/** Retry-After as ms: `retry-after-ms` (OpenAI), else `retry-after` in seconds or as an HTTP date. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (headers === undefined) return undefined
  const ms = Number(headers.get('retry-after-ms') ?? NaN)
  if (Number.isFinite(ms) && ms >= 0) return ms
  const value = headers.get('retry-after')
  if (value === null || value.trim() === '') return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

const SCHEMA_REFUSAL = /response_format|json_schema|structured output|schema/i

/** Anything the `openai` client threw, as an `LlmCallError` (with whether to retry, and when). */
function classify(err: unknown, timeoutMs: number): { error: LlmCallError; retry: boolean; afterMs?: number } {
  if (err instanceof LlmCallError) return { error: err, retry: false }
  if (err instanceof APIConnectionTimeoutError || err instanceof APIUserAbortError || (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError'))) {
    return { error: new LlmCallError('timeout', `no answer within ${timeoutMs} ms`, { cause: err }), retry: false }
  }
  if (err instanceof APIConnectionError) return { error: new LlmCallError('connection', err.message, { cause: err }), retry: true }
  if (err instanceof APIError && typeof err.status === 'number') {
    const status = err.status
    const message = `${status} ${err.message}`.slice(0, 300)
    const after = retryAfterMs(err.headers)
    if (status === 429) return { error: new LlmCallError('rate_limited', message, { cause: err, status }), retry: true, ...(after === undefined ? {} : { afterMs: after }) }
    if (status >= 500) return { error: new LlmCallError('server_error', message, { cause: err, status }), retry: true, ...(after === undefined ? {} : { afterMs: after }) }
    if ((status === 400 || status === 422) && SCHEMA_REFUSAL.test(`${err.message} ${err.param ?? ''}`)) return { error: new LlmCallError('schema_unsupported', message, { cause: err, status }), retry: false }
    return { error: new LlmCallError('refused', message, { cause: err, status }), retry: false }
  }
  return { error: new LlmCallError('connection', err instanceof Error ? err.message : String(err), { cause: err }), retry: false }
}

export class LlmClient {
  readonly openai: OpenAI
  private readonly slots: Slots
  private readonly backoffMs: number
  private readonly maxBackoffMs: number
  /** Requests sent (each retry and repair counted), and retries among them. */
  readonly counts = { requests: 0, retries: 0 }

  constructor(private readonly options: LlmClientOptions) {
    this.openai = new OpenAI({
      // explicit, so the environment the `openai` package reads on its own never overrides the validated config
      baseURL: options.baseUrl ?? 'https://api.openai.com/v1',
      apiKey: options.apiKey === '' ? 'unused' : options.apiKey,
      timeout: options.timeoutMs,
      maxRetries: 0,
    })
    this.slots = new Slots(options.concurrency)
    this.backoffMs = options.backoffMs ?? 250
    this.maxBackoffMs = options.maxBackoffMs ?? 8000
  }

  /** Runs one exchange in a concurrency slot, with its deadline starting once the slot is held. */
  async exchange<T>(fn: (deadline: Deadline) => Promise<T>): Promise<T> {
    const release = await this.slots.acquire()
    try {
      return await fn({ at: Date.now() + this.options.timeoutMs })
    } finally {
      release()
    }
  }

  /** One chat completion, retried on 429/5xx/connection errors until the deadline. */
  chat(request: ChatRequest, deadline: Deadline): Promise<ChatAnswer> {
    const body = {
      model: request.model,
      messages: request.messages,
      max_tokens: request.max_tokens,
      temperature: request.temperature ?? 0,
      ...(request.response_format === undefined ? {} : { response_format: request.response_format }),
    }
    return this.withRetries(deadline, (a) => a.usage.prompt + a.usage.completion, async (opts) => {
      if (request.stream === true) {
        const stream = await this.openai.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } }, opts)
        let content = ''
        let finishReason = ''
        let model = ''
        const usage = { prompt: 0, completion: 0 }
        for await (const chunk of stream) {
          model ||= chunk.model
          const choice = chunk.choices[0]
          if (choice?.delta?.content) content += choice.delta.content
          if (choice?.finish_reason) finishReason = choice.finish_reason
          if (chunk.usage) {
            usage.prompt = chunk.usage.prompt_tokens
            usage.completion = chunk.usage.completion_tokens
          }
        }
        return { content, finishReason: finishReason || 'stop', model: model || request.model, usage }
      }
      const r = await this.openai.chat.completions.create({ ...body, stream: false }, opts)
      const choice = r.choices[0]
      return {
        content: choice?.message.content ?? '',
        finishReason: choice?.finish_reason ?? 'stop',
        model: r.model || request.model,
        usage: { prompt: r.usage?.prompt_tokens ?? 0, completion: r.usage?.completion_tokens ?? 0 },
      }
    })
  }

  /** Embeddings of `input` in request order (floats asked explicitly: not every server speaks base64). */
  embeddings(model: string, input: string[], deadline: Deadline): Promise<{ vectors: number[][]; tokens: number }> {
    return this.withRetries(deadline, (r) => r.tokens, async (opts) => {
      const r = await this.openai.embeddings.create({ model, input, encoding_format: 'float' }, opts)
      const vectors: number[][] = new Array<number[]>(input.length)
      for (const d of r.data) vectors[d.index] = d.embedding
      for (let i = 0; i < input.length; i++) if (vectors[i] === undefined) throw new LlmCallError('refused', `the embeddings answer has no vector for input ${i}`)
      return { vectors, tokens: r.usage?.total_tokens ?? 0 }
    })
  }

  private async withRetries<T>(deadline: Deadline, tokensOf: (t: T) => number, send: (opts: { timeout: number; signal: AbortSignal }) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const left = deadline.at - Date.now()
      if (left <= 0) throw new LlmCallError('timeout', `no answer within ${this.options.timeoutMs} ms`)
      const taken = this.options.budget?.take()
      if (taken !== undefined && !taken.ok) throw new LlmCallError('budget', taken.reason)
      this.counts.requests++
      try {
        // the signal bounds a streamed body too (the client's own timeout stops at the headers)
        const answer = await send({ timeout: left, signal: AbortSignal.timeout(left) })
        taken?.settle(tokensOf(answer))
        return answer
      } catch (err) {
        const { error, retry, afterMs } = classify(err, this.options.timeoutMs)
        // a 429 was not served: it does not use up the hourly budget
        if (error.kind === 'rate_limited') taken?.cancel()
        if (!retry) throw error
        if (attempt >= this.options.maxRetries) throw new LlmCallError(error.kind, `${error.detail} (after ${attempt + 1} attempts)`, { cause: err, ...(error.status === undefined ? {} : { status: error.status }) })
        const backoff = Math.min(this.maxBackoffMs, this.backoffMs * 2 ** attempt) * (0.75 + Math.random() * 0.5)
        const wait = afterMs ?? backoff
        if (Date.now() + wait >= deadline.at) {
          throw new LlmCallError(error.kind, `${error.detail} (retrying in ${Math.round(wait)} ms would pass the ${this.options.timeoutMs} ms timeout)`, { cause: err, ...(error.status === undefined ? {} : { status: error.status }) })
        }
        this.counts.retries++
        await sleep(wait)
      }
    }
  }
}
