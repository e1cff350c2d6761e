import v8 from 'node:v8'
import vm from 'node:vm'
import { describe, expect, it } from 'vitest'
import { regexLiteral } from './compile.js'
import { SigmaEngine } from './engine.js'
import { AhoCorasick, Found, literalScanner, SkipScanner, type LiteralScanner } from './prefilter.js'

describe('regexLiteral', () => {
  it('takes a mandatory top-level literal run', () => {
    expect(regexLiteral('abc')).toBe('abc')
    expect(regexLiteral('Foo\\.EXE')).toBe('foo.exe')
    expect(regexLiteral('ab+c')).toBe('ab')
    expect(regexLiteral('ab?c')).toBe('a')
    expect(regexLiteral('\\w+`(?:\\w+|-|.)`[\\w+|\\s]')).toBe('`')
    expect(regexLiteral('^x[abc]yz(q|r)w$')).toBe('yz')
  })
  it('gives up on what it cannot prove', () => {
    expect(regexLiteral('.{1000,}')).toBeUndefined()
    expect(regexLiteral('a|b')).toBeUndefined()
    expect(regexLiteral('(abc)')).toBeUndefined()
    expect(regexLiteral('a{0,3}')).toBeUndefined()
    expect(regexLiteral('\\d\\s\\w')).toBeUndefined()
  })
})

describe('literal scanners', () => {
  let seed = 7
  /** mulberry32: a deterministic generator whose low bits are not periodic like an LCG's. */
  const rnd = (n: number): number => {
    seed = (seed + 0x6d2b79f5) | 0
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) % n
  }
  const ascii = (x: string): boolean => /^[\x00-\x7f]*$/.test(x)
  /** Scan random text (upper case, non-ASCII, the Kelvin sign and İ mixed in) and compare with `toLowerCase().includes`. */
  function check(scanner: LiteralScanner, lits: string[], word: (len: number) => string): void {
    const out = new Found()
    for (let t = 0; t < 1000; t++) {
      // most texts hold a literal somewhere
      let s = t % 3 === 2 ? word(rnd(40)) : word(rnd(20)) + (lits[rnd(lits.length)] as string) + word(rnd(20))
      if (t % 3 === 0) s = s.toUpperCase()
      if (t % 7 === 0) s = s + 'İ' + word(5)
      if (t % 11 === 0) s = s.replace(/k/gi, '\u212a')
      if (t % 13 === 0) s = s.replace(/i/gi, 'İ')
      out.n = 0
      scanner.scan(s, out)
      const found = new Set(out.ids.subarray(0, out.n))
      const low = s.toLowerCase()
      // exact for ASCII; never misses (may over-report) with non-ASCII text or literals
      lits.forEach((l, i) => {
        if (low.includes(l)) expect(found.has(i), `${l} in ${s}`).toBe(true)
        else if (ascii(l) && ascii(low)) expect(found.has(i), `${l} not in ${s}`).toBe(false)
      })
    }
  }

  it('the automaton finds exactly the literals that occur (case-folded)', () => {
    const abc = 'abcé-\\:'
    const word = (len: number): string => Array.from({ length: len }, () => abc[rnd(abc.length)]).join('')
    const lits = [...new Set(Array.from({ length: 60 }, () => word(1 + rnd(4))))]
    const ac = new AhoCorasick()
    lits.forEach((l, i) => ac.add(l, i))
    ac.build()
    check(ac, lits, word)
  })

  it('the skipping search finds the same, including text that lower-cases into ASCII', () => {
    const abc = 'ikmsa:-\\'
    const word = (len: number): string => Array.from({ length: len }, () => abc[rnd(abc.length)]).join('')
    const lits = [...new Set(Array.from({ length: 12 }, () => word(4 + rnd(6))))]
    expect(SkipScanner.suits(lits)).toBe(true)
    const scanner = literalScanner(lits.map((l, i) => [l, i] as const))
    expect(scanner).toBeInstanceOf(SkipScanner)
    check(scanner, lits, word)
  })

  it('uses the automaton for short, many or non-ASCII literals', () => {
    expect(SkipScanner.suits(['abc', 'abcdef'])).toBe(false)
    expect(SkipScanner.suits(['abcdé'])).toBe(false)
    expect(SkipScanner.suits(Array.from({ length: 100 }, (_, i) => `lit${i}xyz`))).toBe(false)
  })
})

describe('literal prefilter keeps results', () => {
  const rule = (id: string, detection: string): string =>
    `title: t${id}\nid: ${id}\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n${detection}`
  const engine = SigmaEngine.fromYaml([
    rule('a', "  sel:\n    CommandLine|contains: 'MimiKatz'\n  condition: sel"),
    rule('b', "  sel:\n    CommandLine|re: 'Foo\\.[a-z]+'\n  condition: sel"),
    rule('c', "  kw:\n    - 'SeKurlSa::'\n  condition: kw"),
    rule('d', "  sel:\n    Image|endswith: '\\x.exe'\n  filter:\n    CommandLine|contains: 'safe'\n  condition: sel and not filter"),
    rule('e', "  sel:\n    CommandLine|contains: 'i'\n  condition: sel"),
    rule('f', "  sel:\n    CommandLine|re: '(?i)BAR'\n  condition: sel"),
    rule('g', "  kw:\n    - '31337'\n  condition: kw"),
  ])
  const ids = (rec: Record<string, unknown>): string[] =>
    engine
      .match({ Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 1, ...rec })
      .map((m) => m.id)
      .sort()
  it('matches through case folding, non-ASCII text, keywords and regexes', () => {
    expect(ids({ CommandLine: 'run MIMIKATZ now' })).toEqual(['a', 'e'])
    expect(ids({ CommandLine: 'Foo.bar' })).toEqual(['b', 'f'])
    expect(ids({ CommandLine: 'foo.bar' })).toEqual(['f'])
    expect(ids({ CommandLine: 'x', Nested: { deep: ['sekurlsa::logonpasswords'] } })).toEqual(['c'])
    expect(ids({ Image: 'C:\\X.EXE', CommandLine: 'zzz' })).toEqual(['d'])
    expect(ids({ Image: 'C:\\X.EXE', CommandLine: 'SAFE' })).toEqual([])
    expect(ids({ CommandLine: 'İ' })).toEqual(['e'])
    expect(ids({ CommandLine: 'ÄMIMIKATZ' })).toEqual(['a', 'e'])
    // keywords search the text of numbers too (a keyword set without digits skips them)
    expect(ids({ CommandLine: 'x', DestinationPort: 31337 })).toEqual(['g'])
    expect(ids({ CommandLine: 'x', Nested: { deep: [true, 31337] } })).toEqual(['g'])
  })
})

describe('value cache of the prefilter', () => {
  const engine = SigmaEngine.fromYaml([
    `title: evil\nid: evil\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  sel:\n    Image|endswith: '\\evil.exe'\n    CommandLine|contains: ' -run'\n  condition: sel`,
  ])
  const hit = (image: string, cmd: string): boolean =>
    engine.match({ Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 1, Image: image, CommandLine: cmd }).length > 0

  it('gives the same answers for repeated values, for values that never repeat, and after either', () => {
    for (let i = 0; i < 3; i++) {
      expect(hit('C:\\x\\good.exe', 'good -run')).toBe(false)
      expect(hit('C:\\x\\EVIL.exe', 'evil -walk')).toBe(false)
      expect(hit('C:\\x\\EVIL.exe', 'evil -run')).toBe(true)
    }
    // enough distinct values for the cache to give up on these fields, then more
    for (let i = 0; i < 20_000; i++) expect(hit(`C:\\u${i}\\${i % 5 === 0 ? 'evil' : 'good'}.exe`, `x${i} -run`)).toBe(i % 5 === 0)
    expect(hit('C:\\x\\EVIL.exe', 'evil -run')).toBe(true)
    expect(hit('C:\\x\\good.exe', 'good -run')).toBe(false)
  })
})

describe('memory of the prefilter', () => {
  it('remembers values without keeping the request bodies they were cut from', () => {
    v8.setFlagsFromString('--expose-gc')
    const gc = vm.runInNewContext('gc') as () => void
    const engine = SigmaEngine.fromYaml([
      `title: shell\nid: shell\nlogsource:\n  product: linux\n  service: auditd\ndetection:\n  sel:\n    exe|endswith: ['/sh', '/nc']\n  condition: sel`,
    ])
    gc()
    const before = process.memoryUsage().heapUsed
    let hits = 0
    for (let b = 0; b < 40; b++) {
      // one ~4 MB body of auditd lines, as a Kafka batch or an ingest request arrives; half the programs recur
      const lines: string[] = []
      for (let i = 0; i < 20_000; i++) {
        const exe = i % 2 === 0 ? '/usr/bin/sh' : `/opt/tool-${b}-${i}/bin/a-long-program-name`
        lines.push(`type=SYSCALL msg=audit(1600000000.${b}:${b * 100_000 + i}): arch=c000003e syscall=59 success=yes exit=0 ppid=1 pid=${i} auid=0 uid=0 comm="x" exe="${exe}" key=k`)
      }
      const body = lines.join('\n')
      let start = 0
      for (let i = 0; i < 200; i++) {
        const end = body.indexOf('\n', start)
        hits += engine.match(body.slice(start, end)).length
        start = end + 1
      }
    }
    gc()
    const grown = (process.memoryUsage().heapUsed - before) / 1024 / 1024
    // the engine (and its cache) is still in use after the measurement
    expect(engine.match('type=SYSCALL msg=audit(1.0:1): syscall=59 exe="/bin/sh" key=k').length).toBe(1)
    expect(hits).toBe(40 * 100)
    // keeping the slices would hold on to all 40 bodies (~160 MiB)
    expect(grown).toBeLessThan(60)
  })
})
