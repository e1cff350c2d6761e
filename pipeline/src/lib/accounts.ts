/**
 * Accounts that name no one in particular: the service accounts every Windows host has (SYSTEM,
 * LOCAL SERVICE, NETWORK SERVICE), machine accounts (`NAME$`), anonymous logons, and `root`, which
 * every Unix host has. Two alerts sharing one of these share nothing: they must not join incidents
 * by it, and it is no indicator to block or hunt.
 */
const GENERIC = new Set(['system', 'local service', 'localservice', 'network service', 'networkservice', 'localsystem', 'local system', 'anonymous logon', 'anonymous', 'root', '-', 'n/a', 'unknown', 'dwm-1', 'umfd-0', 'umfd-1'])

export function isGenericAccount(user: string): boolean {
  const name = user.includes('\\') ? user.slice(user.lastIndexOf('\\') + 1) : user.includes('@') ? user.slice(0, user.indexOf('@')) : user
  const n = name.trim().toLowerCase()
  return n === '' || n.endsWith('$') || GENERIC.has(n) || /^(dwm|umfd)-\d+$/.test(n)
}
