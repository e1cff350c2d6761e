/**
 * The LLM triager: a second opinion on an incident from any OpenAI-compatible model, asked on
 * its own only in the gray zone of the heuristic verdict (`inGrayZone`) or when an analyst asks.
 * It returns the fields of a `Suggestion` as plain data and never throws: on any failure (budget,
 * timeout, 429/5xx after the retries, output that stays invalid after one repair) the suggestion
 * is `failed` with the reason, and the heuristic verdict stands. It never applies anything: a
 * verdict below the heuristic's severity or other than true_positive is flagged `downgrade` for
 * the caller to show as a suggestion only.
 *
 * Structured output: the verdict schema as strict `json_schema`; a server that refuses it (400
 * naming response_format) or ignores it (answers that are not JSON) is asked in `json_object`
 * mode from then on, with the answer validated against the contract and one repair request that
 * sends the validation problems back.
 */
import { createHash } from 'node:crypto'
import { checkContract, ContractError, SuggestedVerdictSchema, type IncidentSeverity, type Suggestion, type SuggestedVerdict, type Verdict } from '@watchfloor/contracts'
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions'
import type { Config } from '../../../config/schema.js'
import { EVIDENCE_RISK } from '../heuristic.js'
import type { TriageInput } from '../triager.js'
import { HourlyBudget } from './budget.js'
import { LlmCallError, LlmClient, type ChatAnswer, type Deadline } from './client.js'
import { buildPrompt, clampVerdict, contextIds, PROMPT_VERSION, repairPrompt, restoreVerdict, verdictJsonSchema, type Prompt, type SuggestContext } from './prompt.js'

export { PROMPT_VERSION, type SimilarContext, type SuggestContext } from './prompt.js'

/** What `suggest` resolves to: the fields of the incident's `Suggestion` it produced. */
export type SuggestionOutcome = {
  status: 'ready' | 'failed'
  model: string
  prompt_version: string
  tokens: { prompt: number; completion: number }
  latency_ms: number
  context: { similar: string[]; profiles: string[] }
  cached: boolean
  flags: { downgrade: boolean; injection_suspected: boolean }
} & Pick<Suggestion, 'verdict' | 'validation' | 'reason'>

export interface LlmStats {
  /** Requests sent to the model (each retry and repair counted: what the provider bills and rate-limits). */
  calls: number
  /** Prompt + completion tokens of those requests. */
  tokens: number
  /** Suggestions that failed (the heuristic verdict stood), whatever the reason, budget included. */
  failures: number
  /** Suggestions answered from the cache, without a call. */
  cached: number
}

export interface LlmTriagerOptions {
  /** Most completion tokens per request (the verdict needs ~300-600). */
  maxTokens?: number
  /** Receive answers as server-sent events (same result). */
  stream?: boolean
  /** First backoff when a 429/5xx has no Retry-After, ms. */
  backoffMs?: number
  /** Situations remembered (least recently used dropped first). */
  cacheSize?: number
  /** The clock of the hourly budget (tests). */
  now?: () => number
}

const LEVELS: readonly IncidentSeverity[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']
const rank = (s: string) => LEVELS.indexOf(s as IncidentSeverity)
export { EVIDENCE_RISK }
const WIRE_SCHEMA = verdictJsonSchema()

/** True when the model's verdict is lower than the heuristic's, or calls the incident anything but a true positive. */
export function isDowngrade(suggested: SuggestedVerdict, heuristic: Pick<Verdict, 'severity'>): boolean {
  return rank(suggested.severity) < rank(heuristic.severity) || suggested.disposition !== 'true_positive'
}

/**
 * The situation a suggestion answers: the incident's rules, entities and heuristic severity. The
 * same situation (a repeat of the same activity, or an incident re-triaged without change) is
 * answered from the cache.
 */
export function fingerprint(ctx: Pick<SuggestContext, 'incident' | 'heuristic'>): string {
  const rules = Object.keys(ctx.incident.rules ?? {}).sort()
  const entities = [...ctx.incident.entities].sort()
  return createHash('sha256').update(JSON.stringify([PROMPT_VERSION, rules, entities, ctx.heuristic.severity])).digest('hex').slice(0, 32)
}

type Parsed = { ok: true; verdict: SuggestedVerdict } | { ok: false; notJson: boolean; problems: string[] }

/** The model's text as a verdict, or the problems to send back in the repair request. */
export function parseVerdict(answer: Pick<ChatAnswer, 'content' | 'finishReason'>): Parsed {
  const text = answer.content.trim()
  const truncated = answer.finishReason === 'length'
  let value: unknown
  try {
    // some servers wrap JSON mode output in a code fence
    value = JSON.parse(text.replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/, '$1'))
  } catch (e) {
    const where = e instanceof SyntaxError ? /position (\d+)/.exec(e.message)?.[1] : undefined
    const problems = [truncated ? 'the answer was cut off at the token limit before the JSON object ended: keep the analysis short' : `the answer is not a JSON object${where === undefined ? '' : ` (syntax error at character ${where})`}`]
    return { ok: false, notJson: true, problems }
  }
  try {
    return { ok: true, verdict: checkContract(SuggestedVerdictSchema, clampVerdict(value), 'LLM verdict') }
  } catch (e) {
    if (e instanceof ContractError) return { ok: false, notJson: false, problems: e.issues.map((i) => `${i.path}: ${i.message}`) }
    throw e
  }
}

/**
 * Whether the heuristic verdict is unsure enough for an automatic second opinion:
 * `uncorroborated` is MEDIUM/HIGH with none of the heuristic's own evidence (two or more rules,
 * three or more named tactics, a threat-intel hit, an entity at EVIDENCE_RISK or above); `band` is
 * a confidence inside LLM_CONFIDENCE_BAND. A pure function of the config, so a replay can count
 * the automatic calls with no LLM configured.
 */
export function inGrayZone(config: Pick<Config['llm'], 'grayZone' | 'confidenceBand'>, input: TriageInput, verdict: Verdict): boolean {
  for (const zone of config.grayZone) {
    if (zone === 'uncorroborated') {
      const rules = new Set(input.alerts.map((a) => a.rule.id))
      const tactics = new Set(input.alerts.flatMap((a) => a.namedTactics))
      const corroborated = rules.size >= 2 || tactics.size >= 3 || (input.ip?.lists.length ?? 0) > 0 || input.max_entity_risk >= EVIDENCE_RISK
      if ((verdict.severity === 'MEDIUM' || verdict.severity === 'HIGH') && !corroborated) return true
    } else if (zone === 'band') {
      const [lo, hi] = config.confidenceBand
      if (verdict.confidence >= lo && verdict.confidence <= hi) return true
    }
  }
  return false
}

export class LlmTriager {
  readonly name: string
  readonly model: string
  private readonly client: LlmClient
  private readonly maxTokens: number
  private readonly stream: boolean
  private readonly cacheSize: number
  /** fingerprint -> the ready outcome (insertion order is recency: a hit moves to the end) */
  private readonly cache = new Map<string, SuggestionOutcome>()
  private readonly inFlight = new Map<string, Promise<SuggestionOutcome>>()
  /** False once the server refused or ignored `json_schema`: JSON mode from then on. */
  private schemaSupported = true
  private readonly counts = { failures: 0, cached: 0, tokens: 0 }

  /** The configured triager, or undefined when LLM triage is off (neither OPENAI_BASE_URL nor OPENAI_API_KEY). */
  static fromConfig(config: Pick<Config, 'llm'>, options: LlmTriagerOptions = {}): LlmTriager | undefined {
    if (config.llm.baseUrl === undefined && config.llm.apiKey === '') return undefined
    return new LlmTriager(config.llm, options)
  }

  constructor(
    private readonly config: Config['llm'],
    options: LlmTriagerOptions = {},
  ) {
    this.model = config.model
    this.name = `llm/${config.model}`
    this.maxTokens = options.maxTokens ?? 1024
    this.stream = options.stream ?? false
    this.cacheSize = options.cacheSize ?? 1000
    const budget = new HourlyBudget({ calls: config.hourlyCalls, tokens: config.hourlyTokens }, options.now)
    this.client = new LlmClient({
      baseUrl: config.baseUrl,
      apiKey: config.apiKey,
      timeoutMs: config.timeoutMs,
      maxRetries: config.maxRetries,
      concurrency: config.concurrency,
      budget,
      ...(options.backoffMs === undefined ? {} : { backoffMs: options.backoffMs }),
    })
  }

  /**
   * Whether the heuristic verdict is unsure enough to ask the model on its own (LLM_GRAY_ZONE):
   * `uncorroborated` is MEDIUM or HIGH resting on one detection with none of the heuristic's
   * corroborating evidence (a second detection, three ATT&CK tactics, a threat-intel hit, an
   * entity at EVIDENCE_RISK or above); `band` is a confidence inside LLM_CONFIDENCE_BAND.
   */
  inGrayZone(input: TriageInput, verdict: Verdict): boolean {
    return inGrayZone(this.config, input, verdict)
  }

  stats(): LlmStats {
    return { calls: this.client.counts.requests, tokens: this.counts.tokens, failures: this.counts.failures, cached: this.counts.cached }
  }

  /**
   * The model's second opinion on one incident. `fresh` skips the cache (an analyst asking again).
   * Never rejects.
   */
  async suggest(ctx: SuggestContext, opts: { fresh?: boolean } = {}): Promise<SuggestionOutcome> {
    const started = performance.now()
    const key = fingerprint(ctx)
    let prompt: Prompt
    try {
      prompt = buildPrompt(ctx, { redact: this.config.redact })
    } catch (e) {
      return this.failed(started, ctx, false, `internal: the prompt could not be built (${e instanceof Error ? e.message : String(e)})`)
    }
    const injection = prompt.injection.length > 0
    if (opts.fresh !== true) {
      // no await unless something is in flight: a second ask in the same tick must see the first
      const pending = this.cache.has(key) ? undefined : this.inFlight.get(key)
      const hit = this.cache.get(key) ?? (pending === undefined ? undefined : await pending)
      if (hit !== undefined && hit.status === 'ready' && hit.verdict !== undefined) {
        this.cache.delete(key)
        this.cache.set(key, hit)
        this.counts.cached++
        return {
          ...hit,
          tokens: { prompt: 0, completion: 0 },
          latency_ms: Math.round(performance.now() - started),
          context: contextIds(ctx),
          cached: true,
          flags: { downgrade: isDowngrade(hit.verdict, ctx.heuristic), injection_suspected: injection || hit.flags.injection_suspected },
        }
      }
    }
    const run = this.ask(ctx, prompt, started)
    this.inFlight.set(key, run)
    try {
      const outcome = await run
      if (outcome.status === 'ready') {
        this.cache.set(key, outcome)
        if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!)
      }
      return outcome
    } finally {
      if (this.inFlight.get(key) === run) this.inFlight.delete(key)
    }
  }

  private async ask(ctx: SuggestContext, prompt: Prompt, started: number): Promise<SuggestionOutcome> {
    const injection = prompt.injection.length > 0
    const tokens = { prompt: 0, completion: 0 }
    let model = this.model
    const messages: ChatCompletionMessageParam[] = [
      { role: 'system', content: prompt.system },
      { role: 'user', content: prompt.user },
    ]
    const send = async (deadline: Deadline, mode: 'json_schema' | 'json_object', msgs: ChatCompletionMessageParam[]): Promise<ChatAnswer> => {
      const answer = await this.client.chat(
        {
          model: this.model,
          messages: msgs,
          max_tokens: this.maxTokens,
          temperature: 0,
          stream: this.stream,
          response_format: mode === 'json_schema' ? { type: 'json_schema', json_schema: { name: 'suggested_verdict', strict: true, schema: WIRE_SCHEMA } } : { type: 'json_object' },
        },
        deadline,
      )
      tokens.prompt += answer.usage.prompt
      tokens.completion += answer.usage.completion
      this.counts.tokens += answer.usage.prompt + answer.usage.completion
      model = answer.model
      return answer
    }
    try {
      return await this.client.exchange(async (deadline) => {
        let mode: 'json_schema' | 'json_object' = this.schemaSupported ? 'json_schema' : 'json_object'
        let answer: ChatAnswer
        try {
          answer = await send(deadline, mode, messages)
        } catch (e) {
          if (!(e instanceof LlmCallError && e.kind === 'schema_unsupported' && mode === 'json_schema')) throw e
          this.schemaSupported = false
          mode = 'json_object'
          answer = await send(deadline, mode, messages)
        }
        const first = parseVerdict(answer)
        if (first.ok) return this.ready(started, ctx, prompt, first.verdict, mode, model, tokens, injection)
        // not JSON under a strict schema, and not because max_tokens cut it: the server ignores json_schema
        if (mode === 'json_schema' && first.notJson && answer.finishReason !== 'length') this.schemaSupported = false
        const repair: ChatCompletionMessageParam[] = [...messages, { role: 'assistant', content: answer.content.slice(0, 4000) }, { role: 'user', content: repairPrompt(first.problems) }]
        const second = parseVerdict(await send(deadline, 'json_object', repair))
        if (second.ok) return this.ready(started, ctx, prompt, second.verdict, 'repaired', model, tokens, injection)
        return this.failed(started, ctx, injection, `invalid_output: ${second.problems.slice(0, 3).join('; ')}`, { model, tokens, validation: 'invalid' })
      })
    } catch (e) {
      const reason = e instanceof LlmCallError ? e.reason : `internal: ${e instanceof Error ? e.message : String(e)}`
      return this.failed(started, ctx, injection, reason, { model, tokens })
    }
  }

  private ready(started: number, ctx: SuggestContext, prompt: Prompt, raw: SuggestedVerdict, validation: 'json_schema' | 'json_object' | 'repaired', model: string, tokens: { prompt: number; completion: number }, injection: boolean): SuggestionOutcome {
    const verdict = restoreVerdict(raw, prompt.redactor)
    return {
      status: 'ready',
      verdict,
      model,
      prompt_version: PROMPT_VERSION,
      tokens,
      latency_ms: Math.round(performance.now() - started),
      context: contextIds(ctx),
      validation,
      cached: false,
      flags: { downgrade: isDowngrade(verdict, ctx.heuristic), injection_suspected: injection },
    }
  }

  private failed(started: number, ctx: SuggestContext, injection: boolean, reason: string, got: { model?: string; tokens?: { prompt: number; completion: number }; validation?: 'invalid' } = {}): SuggestionOutcome {
    this.counts.failures++
    return {
      status: 'failed',
      model: got.model ?? this.model,
      prompt_version: PROMPT_VERSION,
      tokens: got.tokens ?? { prompt: 0, completion: 0 },
      latency_ms: Math.round(performance.now() - started),
      context: contextIds(ctx),
      ...(got.validation === undefined ? {} : { validation: got.validation }),
      cached: false,
      flags: { downgrade: false, injection_suspected: injection },
      reason,
    }
  }
}
