/**
 * Local threat-intelligence lists: plain text files with one IP address or CIDR per line ('#'
 * starts a comment). The list name is the file name; an address may be on several lists.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { cidrTester } from '../../lib/cidr.js'
import { normalizeIp } from '../normalize/ip.js'

export interface IntelLoadError {
  file: string
  line: number
  reason: string
}

export class ThreatIntel {
  private readonly exact = new Map<string, string[]>()
  private readonly nets: Array<{ list: string; test: (ip: string) => boolean }> = []
  readonly errors: IntelLoadError[] = []
  entries = 0

  static fromFiles(files: readonly string[]): ThreatIntel {
    const ti = new ThreatIntel()
    for (const f of files) {
      let text: string
      try {
        text = readFileSync(f, 'utf8')
      } catch (e) {
        ti.errors.push({ file: f, line: 0, reason: (e as Error).message })
        continue
      }
      ti.addList(path.basename(f).replace(/\.[^.]+$/, ''), text, f)
    }
    return ti
  }

  addList(name: string, text: string, file = name): void {
    text.split('\n').forEach((raw, i) => {
      const line = raw.replace(/#.*/, '').trim()
      if (line === '') return
      if (line.includes('/')) {
        try {
          this.nets.push({ list: name, test: cidrTester(line) })
          this.entries++
        } catch {
          this.errors.push({ file, line: i + 1, reason: `not a CIDR: ${line.slice(0, 64)}` })
        }
        return
      }
      const ip = normalizeIp(line)
      if (ip === undefined) {
        this.errors.push({ file, line: i + 1, reason: `not an IP address: ${line.slice(0, 64)}` })
        return
      }
      const lists = this.exact.get(ip) ?? []
      if (!lists.includes(name)) lists.push(name)
      this.exact.set(ip, lists)
      this.entries++
    })
  }

  /** The lists an address is on (empty when none). */
  lookup(ip: string): string[] {
    const out = [...(this.exact.get(ip) ?? [])]
    for (const n of this.nets) if (!out.includes(n.list) && n.test(ip)) out.push(n.list)
    return out
  }
}
