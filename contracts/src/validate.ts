/**
 * Checking data against the contracts where it enters (a stored document read back, a worker
 * result, a request body), so no `as` cast stands at a boundary. Checkers are compiled once
 * (TypeBox's TypeCompiler generates a plain function); a refusal is a `ContractError` naming
 * the failing paths.
 */
import type { Static, TSchema } from '@sinclair/typebox'
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import { IncidentSchema, type Incident } from './incident.js'
import { EntityProfileSchema, type EntityProfile } from './profile.js'

/** One failing place in a refused value: a JSON Pointer (`/verdict/severity`, `/` for the value itself) and what was expected. */
export interface ContractIssue {
  path: string
  message: string
}

/** How many failing paths the message names (all of them are in `issues`, up to `MAX_ISSUES`). */
const SHOWN_ISSUES = 3
const MAX_ISSUES = 20

/**
 * A value that does not match its contract. Plain fields only (`code`, `what`, `issues`), so a
 * worker can turn it into `{ ok: false, code, reason }` without losing anything to structured clone.
 */
export class ContractError extends Error {
  override readonly name = 'ContractError'
  readonly code = 'CONTRACT_INVALID'
  /** What was checked (`incident`, `profile`, `worker result`...): the message starts with it. */
  readonly what: string
  readonly issues: ContractIssue[]

  constructor(what: string, issues: ContractIssue[]) {
    const shown = issues.slice(0, SHOWN_ISSUES).map((i) => `${i.path}: ${i.message}`)
    const more = issues.length > SHOWN_ISSUES ? ` (and ${issues.length - SHOWN_ISSUES} more)` : ''
    super(`${what}: ${shown.join('; ')}${more}`)
    this.what = what
    this.issues = issues
  }
}

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>()

/** The compiled checker of a schema, compiled on first use and kept. */
function checker<S extends TSchema>(schema: S): TypeCheck<S> {
  const known = compiled.get(schema)
  if (known !== undefined) return known as TypeCheck<S>
  const check = TypeCompiler.Compile(schema)
  compiled.set(schema, check)
  return check
}

/** The failing paths, one message per path (TypeBox reports a missing property twice: required, then its type). */
function issuesOf(check: TypeCheck<TSchema>, value: unknown): ContractIssue[] {
  const issues: ContractIssue[] = []
  const seen = new Set<string>()
  for (const e of check.Errors(value)) {
    const path = e.path === '' ? '/' : e.path
    if (seen.has(path)) continue
    seen.add(path)
    issues.push({ path, message: e.message })
    if (issues.length >= MAX_ISSUES) break
  }
  return issues
}

/** `value` typed by its contract, or a `ContractError` naming `what` and the failing paths. */
export function checkContract<S extends TSchema>(schema: S, value: unknown, what: string): Static<S> {
  const check = checker(schema)
  if (check.Check(value)) return value
  throw new ContractError(what, issuesOf(check, value))
}

function parseJson(json: string, what: string): unknown {
  try {
    return JSON.parse(json) as unknown
  } catch (e) {
    throw new ContractError(what, [{ path: '/', message: `not JSON (${e instanceof Error ? e.message : String(e)})` }])
  }
}

// The stored documents' checkers, compiled at module load.
const incidentCheck = checker(IncidentSchema)
const profileCheck = checker(EntityProfileSchema)

/** A stored incident document (JSON text), checked; `ContractError` when it is not JSON or not an incident. */
export function parseIncident(json: string): Incident {
  return checkContract(IncidentSchema, parseJson(json, 'incident'), 'incident')
}

/** A stored entity profile document (JSON text), checked; `ContractError` when it is not JSON or not a profile. */
export function parseProfile(json: string): EntityProfile {
  return checkContract(EntityProfileSchema, parseJson(json, 'profile'), 'profile')
}

export function isIncident(value: unknown): value is Incident {
  return incidentCheck.Check(value)
}

export function isProfile(value: unknown): value is EntityProfile {
  return profileCheck.Check(value)
}
