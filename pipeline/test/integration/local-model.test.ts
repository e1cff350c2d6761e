/**
 * Opt-in: the LLM triager against a real (tiny) model behind an OpenAI-compatible server
 * (scripts/local-llm: SmolLM2-135M served by node-llama-cpp), through the product's own config
 * and client code. The model cannot judge logs; this proves the real protocol path only: the
 * `openai` client, the base URL, the strict json_schema response_format and a schema-valid
 * verdict in one call. Verdict logic is tested against the fake server (llm.test.ts).
 *
 * Skipped, with the reason in its name, until `node scripts/local-llm/model.mjs fetch` has run;
 * under CI=true (.ci/run fetches it) a missing model is an error, so CI cannot pass by skipping.
 */
import { checkContract, SuggestedVerdictSchema } from '@watchfloor/contracts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error -- a plain .mjs script without type declarations (tests are not type-checked by tsc -b)
import { missingReason, modelFetched, startModelServer, stopModelServer } from '../../../scripts/local-llm/model.mjs'
import { loadConfig } from '../../src/config/load.js'
import { LlmTriager, PROMPT_VERSION } from '../../src/transforms/triage/llm/llm.js'
import { sampleContext } from '../../src/transforms/triage/llm/sample.js'
import { need } from '../../../test/support/need.js'

interface ModelServer {
  baseUrl: string
  model: string
  child: unknown
  output(): string
}

const model = need((modelFetched as () => boolean)() ? '' : (missingReason as () => string)(), () => `CI=true and ${(missingReason as () => string)()} (.ci/run fetches it)`)
const { have, title } = model

describe.skipIf(!have)(title('LlmTriager against the real local model'), () => {
  let server: ModelServer
  beforeAll(async () => {
    // a context big enough for the instructions, the data document and the answer
    server = (await (startModelServer as (o: object) => Promise<ModelServer>)({ threads: 1, contextSize: 4096 })) as ModelServer
  })
  afterAll(async () => {
    if (server !== undefined) await (stopModelServer as (s: ModelServer) => Promise<void>)(server)
  })

  it('returns a schema-valid verdict in one call through the product config and client', async () => {
    const config = loadConfig({ env: { OPENAI_BASE_URL: server.baseUrl, OPENAI_MODEL: server.model, LLM_TIMEOUT_MS: '120000', LLM_MAX_RETRIES: '0' } })
    const triager = LlmTriager.fromConfig(config, { maxTokens: 256 })!
    const started = performance.now()
    // the incident alone (no profiles, no similar incidents): a shorter prompt keeps this one call quick on one thread
    const out = await triager.suggest({ ...sampleContext(), profiles: [], similar: [] })
    const ms = Math.round(performance.now() - started)
    console.log(`local model: ${out.status} (${out.validation}) in ${ms} ms, tokens ${out.tokens.prompt}+${out.tokens.completion}: ${JSON.stringify(out.verdict)}`)
    expect(out.reason, server.output().slice(-2000)).toBeUndefined()
    expect(out).toMatchObject({ status: 'ready', validation: 'json_schema', model: server.model, prompt_version: PROMPT_VERSION, cached: false })
    checkContract(SuggestedVerdictSchema, out.verdict, 'local model verdict')
    expect(out.tokens.prompt).toBeGreaterThan(0)
    expect(out.tokens.completion).toBeGreaterThan(0)
    expect(triager.stats().calls).toBe(1)
  }, 180_000)
})
