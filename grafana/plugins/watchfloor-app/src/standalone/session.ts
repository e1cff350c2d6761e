/**
 * The API token of the standalone UI, kept in sessionStorage: gone when the tab closes, never in
 * a URL (no query string, no fragment), never in localStorage or a cookie.
 */
const KEY = 'watchfloor.token'

export interface TokenStore {
  get(): string | undefined
  set(token: string): void
  clear(): void
}

export function sessionTokens(storage: Storage | undefined = typeof sessionStorage === 'undefined' ? undefined : sessionStorage): TokenStore {
  let memory: string | undefined
  return {
    get() {
      try {
        return storage?.getItem(KEY) ?? memory
      } catch {
        return memory
      }
    },
    set(token) {
      memory = token
      try {
        storage?.setItem(KEY, token)
      } catch {
        // storage disabled: the token lives as long as the page
      }
    },
    clear() {
      memory = undefined
      try {
        storage?.removeItem(KEY)
      } catch {
        // nothing stored
      }
    },
  }
}
