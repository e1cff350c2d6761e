/** Schemas every route group shares: the error body, the bearer security requirement, an incident id. */
import { Type } from '@sinclair/typebox'

/** `{error: {code, message}}`: the body of every refusal, with a code from the catalogue. */
export const ErrorBody = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) })
export const Auth = [{ bearer: [] }]
export const IncidentId = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) })
