import { describe, expect, it } from 'vitest'
import { regexLiteral } from './compile.js'
import { SigmaEngine } from './engine.js'
import { AhoCorasick } from './prefilter.js'

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

describe('AhoCorasick', () => {
  it('finds exactly the literals that occur (case-folded)', () => {
    let seed = 7
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed % n
    }
    const abc = 'abcé-\\:'
    const ascii = (x: string): boolean => /^[\x00-\x7f]*$/.test(x)
    const word = (len: number): string => Array.from({ length: len }, () => abc[rnd(abc.length)]).join('')
    const lits = [...new Set(Array.from({ length: 60 }, () => word(1 + rnd(4))))]
    const ac = new AhoCorasick()
    lits.forEach((l, i) => ac.add(l, i))
    ac.build()
    const owners = lits.map((_, i) => [i])
    for (let t = 0; t < 300; t++) {
      let s = word(rnd(30))
      if (t % 3 === 0) s = s.toUpperCase()
      if (t % 7 === 0) s = s + 'İ' + word(5)
      const hits = { seen: new Int32Array(lits.length), list: new Int32Array(lits.length), count: 0, stamp: 1 }
      const seen = hits.seen
      ac.scan(s, hits, owners)
      const low = s.toLowerCase()
      // exact for ASCII; never misses (may over-report) with non-ASCII text or literals
      lits.forEach((l, i) => {
        if (low.includes(l)) expect(seen[i], `${l} in ${s}`).toBe(1)
        else if (ascii(l) && ascii(low)) expect(seen[i], `${l} not in ${s}`).toBe(0)
      })
    }
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
  })
})
