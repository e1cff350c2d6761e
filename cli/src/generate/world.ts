/**
 * The world `watchfloor generate` draws from: address ranges, users and hosts, from a YAML file
 * (`examples/generator.yaml` holds the defaults). Checked on load: a bad range or an empty list is
 * refused with the field it is in.
 */
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import type { Random } from './random.js'

export interface WorldConfig {
  internal: string[]
  external: string[]
  suspicious: string[]
  domain: string
  users: string[]
  admins: string[]
  hosts: { workstations: string[]; servers: string[]; linux: string[] }
  scanners: string[]
  backup: { host: string; address: string; destination: string }
}

export const DEFAULT_WORLD: WorldConfig = {
  internal: ['10.20.0.0/16'],
  external: ['198.51.100.0/24', '192.0.2.0/24'],
  suspicious: ['203.0.113.0/24', '185.220.101.0/24'],
  domain: 'corp.example',
  users: ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'niaj', 'olivia', 'peggy', 'rupert', 'sybil', 'trent', 'victor', 'walter', 'yvonne'],
  admins: ['adm-alice', 'adm-trent'],
  hosts: {
    workstations: ['WKS-001', 'WKS-002', 'WKS-003', 'WKS-004', 'WKS-005', 'WKS-006', 'WKS-007', 'WKS-008', 'WKS-009', 'WKS-010', 'WKS-011', 'WKS-012'],
    servers: ['SRV-FILE-01', 'SRV-APP-01', 'SRV-APP-02', 'SRV-SQL-01', 'SRV-EXCH-01', 'DC-01'],
    linux: ['web-01', 'web-02', 'jump-01', 'build-01', 'db-01'],
  },
  scanners: ['10.20.9.10'],
  backup: { host: 'SRV-BKP-01', address: '10.20.9.20', destination: '198.51.100.250' },
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/

function ipToInt(ip: string): number | undefined {
  const m = IPV4.exec(ip)
  if (!m) return undefined
  const parts = m.slice(1).map(Number)
  if (parts.some((p) => p > 255)) return undefined
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0
}

const intToIp = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')

/** An IPv4 range: its first usable address and how many there are. */
interface Range {
  base: number
  size: number
}

function range(cidr: string, where: string): Range {
  const [ip, bits] = cidr.split('/')
  const base = ipToInt(ip ?? '')
  const prefix = bits === undefined ? 32 : Number(bits)
  if (base === undefined || !Number.isInteger(prefix) || prefix < 8 || prefix > 32) throw new Error(`${where}: ${JSON.stringify(cidr)} is not an IPv4 range (a.b.c.d/8 to /32)`)
  const size = 2 ** (32 - prefix)
  const start = (base & (prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0)) >>> 0
  // leave out the network and broadcast addresses of ranges that have them
  return size > 2 ? { base: start + 1, size: size - 2 } : { base: start, size }
}

function list(v: unknown, where: string, fallback: string[]): string[] {
  if (v === undefined) return fallback
  if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'string' || x.trim() === '')) throw new Error(`${where}: expected a non-empty list of names`)
  return v as string[]
}

/** Reads and checks a world file; missing fields take the defaults. */
export function loadWorld(file: string | undefined): WorldConfig {
  if (file === undefined) return DEFAULT_WORLD
  const doc = parse(readFileSync(file, 'utf8')) as Record<string, unknown> | null
  const v = doc ?? {}
  if (typeof v !== 'object' || Array.isArray(v)) throw new Error(`${file}: expected a mapping`)
  const hosts = (v.hosts ?? {}) as Record<string, unknown>
  const backup = (v.backup ?? {}) as Record<string, unknown>
  const world: WorldConfig = {
    internal: list(v.internal, `${file}: internal`, DEFAULT_WORLD.internal),
    external: list(v.external, `${file}: external`, DEFAULT_WORLD.external),
    suspicious: list(v.suspicious, `${file}: suspicious`, DEFAULT_WORLD.suspicious),
    domain: typeof v.domain === 'string' && /^[a-z0-9.-]+$/i.test(v.domain) ? v.domain : DEFAULT_WORLD.domain,
    users: list(v.users, `${file}: users`, DEFAULT_WORLD.users),
    admins: list(v.admins, `${file}: admins`, DEFAULT_WORLD.admins),
    hosts: {
      workstations: list(hosts.workstations, `${file}: hosts.workstations`, DEFAULT_WORLD.hosts.workstations),
      servers: list(hosts.servers, `${file}: hosts.servers`, DEFAULT_WORLD.hosts.servers),
      linux: list(hosts.linux, `${file}: hosts.linux`, DEFAULT_WORLD.hosts.linux),
    },
    scanners: list(v.scanners, `${file}: scanners`, DEFAULT_WORLD.scanners),
    backup: {
      host: typeof backup.host === 'string' ? backup.host : DEFAULT_WORLD.backup.host,
      address: typeof backup.address === 'string' ? backup.address : DEFAULT_WORLD.backup.address,
      destination: typeof backup.destination === 'string' ? backup.destination : DEFAULT_WORLD.backup.destination,
    },
  }
  for (const k of ['internal', 'external', 'suspicious'] as const) world[k].forEach((c, i) => range(c, `${file}: ${k}[${i}]`))
  for (const ip of [...world.scanners, world.backup.address, world.backup.destination]) if (ipToInt(ip) === undefined) throw new Error(`${file}: ${JSON.stringify(ip)} is not an IPv4 address`)
  return world
}

/** The world with its ranges parsed, and stable addresses for its hosts. */
export class World {
  private readonly ranges: Record<'internal' | 'external' | 'suspicious', Range[]>
  private readonly hostIps = new Map<string, string>()

  constructor(
    readonly config: WorldConfig,
    private readonly rnd: Random,
  ) {
    this.ranges = {
      internal: config.internal.map((c) => range(c, 'internal')),
      external: config.external.map((c) => range(c, 'external')),
      suspicious: config.suspicious.map((c) => range(c, 'suspicious')),
    }
    // every host keeps one address for the whole run
    const taken = new Set([...config.scanners, config.backup.address])
    for (const h of [...config.hosts.workstations, ...config.hosts.servers, ...config.hosts.linux, config.backup.host]) {
      let ip = h === config.backup.host ? config.backup.address : this.ip('internal')
      while (taken.has(ip) && h !== config.backup.host) ip = this.ip('internal')
      taken.add(ip)
      this.hostIps.set(h, ip)
    }
  }

  ip(kind: 'internal' | 'external' | 'suspicious'): string {
    const r = this.rnd.pick(this.ranges[kind])
    return intToIp(r.base + this.rnd.int(0, r.size - 1))
  }

  hostIp(host: string): string {
    return this.hostIps.get(host) ?? '10.0.0.1'
  }

  fqdn(host: string): string {
    return `${host}.${this.config.domain}`
  }
}
