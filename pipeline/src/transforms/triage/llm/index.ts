/** LLM triage: the second-opinion triager, its client, and embeddings from the same endpoint. */
export { LlmTriager, inGrayZone, EVIDENCE_RISK, fingerprint, isDowngrade, parseVerdict, PROMPT_VERSION, type LlmStats, type LlmTriagerOptions, type SimilarContext, type SuggestContext, type SuggestionOutcome } from './llm.js'
export { Embedder, type EmbedderOptions } from './embeddings.js'
export { LLM_FAILURES, LlmCallError, LlmClient, type LlmFailure } from './client.js'
export { HourlyBudget } from './budget.js'
export { Redactor } from './redact.js'
export { buildPrompt, detectInjection, SYSTEM_PROMPT } from './prompt.js'
