/** Schema helper shared by the contracts (not exported from the package). */
import { Type, type SchemaOptions, type TLiteral, type TUnion } from '@sinclair/typebox'

/**
 * A union of string literals built from the const array that lists them, so each list of
 * values (severities, statuses, decoder names...) is written once and feeds both the type and
 * the runtime check.
 */
export function literalUnion<const T extends readonly string[]>(values: T, options?: SchemaOptions): TUnion<TLiteral<T[number]>[]> {
  return Type.Union(values.map((v) => Type.Literal(v)), options)
}
