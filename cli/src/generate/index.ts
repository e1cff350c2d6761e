/**
 * `watchfloor generate`: realistic security events as NDJSON, with the ground truth of every
 * attack in them. Deterministic: the same --seed, --start, --duration and --events give the same
 * bytes. With --rate the records are written in real time (their times are the wall clock).
 *
 *   watchfloor generate [--events N] [--seed N] [--start ISO] [--duration 24h] [--chains N]
 *                       [--rate N] [--config FILE] [--out FILE] [--truth FILE]
 */
import { createWriteStream, type WriteStream } from 'node:fs'
import { once } from 'node:events'
import { Random } from './random.js'
import { Scenarios, type Item } from './scenarios.js'
import { loadWorld, World } from './world.js'

export interface GenerateOptions {
  events: number
  seed: number
  /** Epoch ms of the first record. */
  start: number
  durationMs: number
  chains: number
  rate?: number
  config?: string
}

export interface TruthStage {
  chain: string
  scenario: string
  stage: string
  /** The ATT&CK techniques of the step's records. */
  techniques: string[]
  /** 1-based line numbers of the stage's records in the output. */
  records: number[]
  first: string
  last: string
}

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR

/** `90s`, `30m`, `24h`, `7d` -> ms. */
export function parseDuration(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(s.trim())
  if (!m) return undefined
  return Number(m[1]) * { s: 1000, m: MIN, h: HOUR, d: DAY }[m[2] as 's' | 'm' | 'h' | 'd']
}

/** Relative benign volume at a time: a working day peaking early afternoon (UTC), quieter at weekends and nights. */
function activity(t: number): number {
  const d = new Date(t)
  const hour = d.getUTCHours() + d.getUTCMinutes() / 60
  const day = 0.15 + 0.85 * Math.exp(-((hour - 13) ** 2) / (2 * 3.2 ** 2))
  const weekend = d.getUTCDay() === 0 || d.getUTCDay() === 6 ? 0.35 : 1
  return day * weekend
}

/** Every record of a run, in time order, with the ground truth of the attacks. */
export function generate(o: GenerateOptions): { items: Item[]; truth: TruthStage[] } {
  const rnd = new Random(o.seed)
  const world = new World(loadWorld(o.config), rnd)
  const sc = new Scenarios(rnd, world)
  const end = o.start + o.durationMs
  const attacks: Item[] = []
  const scenario = new Map<string, string>()

  // intrusion chains spread over the range (each takes about 45 minutes), then single-step attacks
  const span = Math.max(1, o.durationMs - HOUR)
  for (let i = 0; i < o.chains; i++) {
    const id = `chain-${String(i + 1).padStart(3, '0')}`
    scenario.set(id, 'intrusion')
    attacks.push(...sc.intrusion(id, o.start + Math.floor(((i + rnd.float() * 0.5) / o.chains) * span)))
  }
  const singles = [
    ['port_scan', (id: string, t: number) => sc.portScan(id, t)],
    ['malware', (id: string, t: number) => sc.malware(id, t)],
    ['password_spray', (id: string, t: number) => sc.passwordSpray(id, t)],
    ['cloud_credential_theft', (id: string, t: number) => sc.cloudTheft(id, t)],
  ] as const
  for (let i = 0; i < Math.max(singles.length, o.chains); i++) {
    const [name, make] = singles[i % singles.length]!
    const id = `${name.replace(/_/g, '-')}-${String(Math.floor(i / singles.length) + 1).padStart(3, '0')}`
    scenario.set(id, name)
    attacks.push(...make(id, o.start + Math.floor(rnd.float() * span)))
  }

  // benign look-alikes: administrators' PsExec in working hours, the scanner's sweep, the nightly backup
  const days = Math.max(1, Math.round(o.durationMs / DAY))
  const benign: Item[] = []
  for (let d = 0; d < days; d++) {
    const at = (h: number) => {
      const dayStart = o.start + d * DAY
      const t = dayStart - (dayStart % DAY) + h * HOUR
      return t >= o.start && t < end - HOUR ? t : o.start + Math.floor(rnd.float() * span)
    }
    for (const rec of sc.adminPsexec(at(10 + rnd.int(0, 5)))) benign.push({ t: Date.parse(String(rec['@timestamp'])), rec })
    for (const rec of sc.scannerSweep(at(7))) benign.push({ t: Number(rec.ts) * 1000, rec })
    for (const rec of sc.backupUpload(at(2))) benign.push({ t: Date.parse(String(rec['@timestamp'])), rec })
  }

  // the benign baseline fills the rest, drawn by the working-day rhythm
  const fill = Math.max(0, o.events - attacks.length - benign.length)
  let made = 0
  while (made < fill) {
    const t = o.start + Math.floor(rnd.float() * o.durationMs)
    if (rnd.float() > activity(t)) continue
    for (const rec of sc.benign(t)) {
      if (made >= fill) break
      benign.push({ t, rec })
      made++
    }
  }

  const items = [...attacks, ...benign].filter((x) => x.t >= o.start && x.t < end + 2 * HOUR)
  // stable order: by time, then attack records before benign ones at the same instant
  const order = new Map(items.map((x, i) => [x, i]))
  items.sort((a, b) => a.t - b.t || order.get(a)! - order.get(b)!)
  const trimmed = items.slice(0, Math.max(o.events, attacks.length))

  const stages = new Map<string, TruthStage>()
  trimmed.forEach((x, i) => {
    if (x.chain === undefined) return
    const key = `${x.chain}/${x.stage}`
    let s = stages.get(key)
    if (s === undefined) {
      s = { chain: x.chain, scenario: scenario.get(x.chain) ?? '', stage: x.stage ?? '', techniques: [], records: [], first: new Date(x.t).toISOString(), last: new Date(x.t).toISOString() }
      stages.set(key, s)
    }
    if (x.technique !== undefined && !s.techniques.includes(x.technique)) s.techniques.push(x.technique)
    s.records.push(i + 1)
    s.last = new Date(x.t).toISOString()
  })
  return { items: trimmed, truth: [...stages.values()] }
}

interface Args extends GenerateOptions {
  out?: string
  truth?: string
}

function parse(argv: string[]): Args | string {
  const now = Date.now()
  const a: Partial<Args> & { duration?: string; startText?: string } = {}
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!
    const v = argv[i + 1]
    const need = () => {
      i++
      if (v === undefined) throw new Error(`${k} needs a value`)
      return v
    }
    try {
      if (k === '--events') a.events = Number(need())
      else if (k === '--seed') a.seed = Number(need())
      else if (k === '--start') a.startText = need()
      else if (k === '--duration') a.duration = need()
      else if (k === '--chains') a.chains = Number(need())
      else if (k === '--rate') a.rate = Number(need())
      else if (k === '--config') a.config = need()
      else if (k === '--out') a.out = need()
      else if (k === '--truth') a.truth = need()
      else return `unknown option ${k}`
    } catch (err) {
      return (err as Error).message
    }
  }
  const events = a.events ?? 10_000
  if (!Number.isInteger(events) || events < 1 || events > 100_000_000) return '--events must be an integer from 1 to 100000000'
  const seed = a.seed ?? 1
  if (!Number.isInteger(seed)) return '--seed must be an integer'
  if (a.rate !== undefined && (!Number.isFinite(a.rate) || a.rate <= 0 || a.rate > 1_000_000)) return '--rate must be a number of events per second, above 0'
  const durationMs = a.rate !== undefined ? Math.ceil((events / a.rate) * 1000) : parseDuration(a.duration ?? '24h')
  if (durationMs === undefined || durationMs < MIN) return '--duration must be like 30m, 24h or 7d (at least 1m)'
  const start = a.rate !== undefined ? now : a.startText !== undefined ? Date.parse(a.startText) : Math.floor((now - durationMs) / MIN) * MIN
  if (!Number.isFinite(start)) return '--start must be an ISO 8601 time'
  const chains = a.chains ?? Math.max(1, Math.min(50, Math.round(events / 10_000)))
  if (!Number.isInteger(chains) || chains < 0 || chains > 10_000) return '--chains must be an integer from 0 to 10000'
  return { events, seed, start, durationMs, chains, ...(a.rate !== undefined ? { rate: a.rate } : {}), ...(a.config !== undefined ? { config: a.config } : {}), ...(a.out !== undefined ? { out: a.out } : {}), ...(a.truth !== undefined ? { truth: a.truth } : {}) }
}

async function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain')
}

export async function runGenerate(argv: string[]): Promise<number> {
  const args = parse(argv)
  if (typeof args === 'string') {
    process.stderr.write(`watchfloor generate: ${args}\n`)
    return 2
  }
  const { items, truth } = generate(args)
  const out: NodeJS.WritableStream = args.out !== undefined ? createWriteStream(args.out) : process.stdout
  const started = Date.now()
  let chunk = ''
  for (const x of items) {
    if (args.rate !== undefined) {
      // real time: each record when its moment comes
      const wait = x.t - args.start - (Date.now() - started)
      if (wait > 0) {
        if (chunk !== '') await write(out, chunk)
        chunk = ''
        await new Promise((r) => setTimeout(r, wait))
      }
    }
    chunk += `${JSON.stringify(x.rec)}\n`
    if (chunk.length > 1 << 16) {
      await write(out, chunk)
      chunk = ''
    }
  }
  if (chunk !== '') await write(out, chunk)
  if (args.out !== undefined) {
    ;(out as WriteStream).end()
    await once(out, 'finish')
  }
  if (args.truth !== undefined) {
    const t = createWriteStream(args.truth)
    t.end(truth.map((s) => JSON.stringify(s)).join('\n') + (truth.length > 0 ? '\n' : ''))
    await once(t, 'finish')
  }
  const chains = new Set(truth.map((s) => s.chain)).size
  process.stderr.write(`watchfloor generate: ${items.length} records, ${truth.reduce((n, s) => n + s.records.length, 0)} of them in ${chains} attacks (${truth.length} steps), seed ${args.seed}, ${new Date(args.start).toISOString()} + ${Math.round(args.durationMs / 60_000)} min\n`)
  return 0
}
