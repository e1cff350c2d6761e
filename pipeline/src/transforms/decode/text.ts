/** Any text line no other decoder recognised: kept as the message, status `unknown`. */
import { Draft } from './draft.js'
import type { Decoder } from './types.js'

export const textDecoder: Decoder = {
  name: 'text',
  detect(v) {
    return typeof v === 'string'
  },
  decode(v, ctx) {
    const d = new Draft('text', 'unknown')
    if (typeof v === 'string' && v.length > 0) d.message = v
    return d.result(ctx)
  },
}
