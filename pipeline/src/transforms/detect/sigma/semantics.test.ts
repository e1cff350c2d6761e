import { describe, expect, it } from 'vitest'
import { parseDocument } from 'yaml'
import { compileRule, docToPlain, EventContext, type CompileOptions } from './compile.js'
import { SigmaEngine } from './engine.js'
import { loadText, type LoadResult } from './load.js'

/** Compile a detection block (YAML, indented under `detection:`) into a field-view predicate. */
function rule(detection: string, opts: CompileOptions = {}): (fields: Record<string, unknown>) => boolean {
  const text = `title: t\nid: x\nlogsource:\n    product: windows\n    category: process_creation\ndetection:\n${detection
    .split('\n')
    .map((l) => '    ' + l)
    .join('\n')}\n`
  const r = compileRule(docToPlain(parseDocument(text)), opts)
  return (fields) => r.match(new EventContext(fields))
}

const sysmon = (eid: number, data: Record<string, unknown>): unknown => ({
  Event: {
    System: {
      Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon' } },
      EventID: eid,
      Channel: 'Microsoft-Windows-Sysmon/Operational',
      Computer: 'host1',
    },
    EventData: data,
  },
})

describe('sigma semantics', () => {
  it('is case-insensitive by default, but re is case-sensitive unless |i', () => {
    const m = rule(`sel:\n    Image|endswith: '\\CMD.EXE'\ncondition: sel`)
    expect(m({ Image: 'C:\\Windows\\System32\\cmd.exe' })).toBe(true)
    expect(m({ Image: 'C:\\Windows\\System32\\cmd.exe.bak' })).toBe(false)
    const re = rule(`sel:\n    CommandLine|re: 'Who[a]mi'\ncondition: sel`)
    expect(re({ CommandLine: 'x Whoami y' })).toBe(true)
    expect(re({ CommandLine: 'x whoami y' })).toBe(false)
    const rei = rule(`sel:\n    CommandLine|re|i: 'Who[a]mi'\ncondition: sel`)
    expect(rei({ CommandLine: 'x WHOAMI y' })).toBe(true)
  })

  it('translates a leading (?i) into the i flag', () => {
    const m = rule(`sel:\n    CommandLine|re: '(?i)^whoami\\s+/all$'\ncondition: sel`)
    expect(m({ CommandLine: 'WHOAMI /ALL' })).toBe(true)
    expect(m({ CommandLine: 'xwhoami /all' })).toBe(false)
  })

  it('re supports m and s flags', () => {
    const ms = rule(`sel:\n    ScriptBlockText|re|m: '^evil$'\ncondition: sel`)
    expect(ms({ ScriptBlockText: 'a\nevil\nb' })).toBe(true)
    const s = rule(`sel:\n    ScriptBlockText|re|s: 'a.b'\ncondition: sel`)
    expect(s({ ScriptBlockText: 'a\nb' })).toBe(true)
    const nos = rule(`sel:\n    ScriptBlockText|re: 'a.b'\ncondition: sel`)
    expect(nos({ ScriptBlockText: 'a\nb' })).toBe(false)
  })

  it('wildcards and backslash escaping', () => {
    // \* is a literal star
    const star = rule(`sel:\n    CommandLine: 'a\\*b'\ncondition: sel`)
    expect(star({ CommandLine: 'a*b' })).toBe(true)
    expect(star({ CommandLine: 'axxb' })).toBe(false)
    // \W is not an escape: the backslash stays literal; a trailing * is a wildcard
    const path = rule(`sel:\n    Image: 'C:\\Windows*'\ncondition: sel`)
    expect(path({ Image: 'c:\\windows\\system32\\x.exe' })).toBe(true)
    expect(path({ Image: 'C:/Windows/x' })).toBe(false)
    // ...but \* right after a path separator is an escaped (literal) star
    const esc = rule(`sel:\n    Image: 'C:\\Windows\\*'\ncondition: sel`)
    expect(esc({ Image: 'C:\\Windows*' })).toBe(true)
    expect(esc({ Image: 'C:\\Windows\\x' })).toBe(false)
    // \\ is one literal backslash followed by a wildcard
    const dbl = rule(`sel:\n    Image: 'a\\\\*'\ncondition: sel`)
    expect(dbl({ Image: 'a\\foo' })).toBe(true)
    expect(dbl({ Image: 'afoo' })).toBe(false)
    // ? is a single character wildcard, \? a literal question mark
    const q = rule(`sel:\n    Image: 'a?c'\ncondition: sel`)
    expect(q({ Image: 'abc' })).toBe(true)
    expect(q({ Image: 'abbc' })).toBe(false)
    const lq = rule(`sel:\n    Image: 'a\\?c'\ncondition: sel`)
    expect(lq({ Image: 'a?c' })).toBe(true)
    expect(lq({ Image: 'abc' })).toBe(false)
  })

  it('windash matches the five dash variants', () => {
    const m = rule(`sel:\n    CommandLine|windash|contains: ' -enc '\ncondition: sel`)
    for (const d of ['-', '/', '\u2013', '\u2014', '\u2015']) expect(m({ CommandLine: `powershell ${d}enc AAA` })).toBe(true)
    expect(m({ CommandLine: 'powershell _enc AAA' })).toBe(false)
    expect(m({ CommandLine: 'powershell enc AAA' })).toBe(false)
  })

  it('base64 and the three base64offset variants', () => {
    const m = rule(`sel:\n    CommandLine|base64offset|contains: 'http://'\ncondition: sel`)
    for (const prefix of ['', 'x', 'xy']) {
      const enc = Buffer.from(`${prefix}http://evil.example/`).toString('base64')
      expect(m({ CommandLine: `powershell -e ${enc}` })).toBe(true)
    }
    expect(m({ CommandLine: Buffer.from('https://evil').toString('base64') })).toBe(false)
    const b = rule(`sel:\n    CommandLine|base64: 'abc'\ncondition: sel`)
    expect(b({ CommandLine: 'YWJj' })).toBe(true)
    expect(b({ CommandLine: 'xYWJj' })).toBe(false)
  })

  it('utf16le/wide and utf16be before base64', () => {
    const w = rule(`sel:\n    CommandLine|wide|base64offset|contains: 'ping'\ncondition: sel`)
    expect(w({ CommandLine: `-enc ${Buffer.from('cmd /c ping x', 'utf16le').toString('base64')}` })).toBe(true)
    const le = rule(`sel:\n    Payload|utf16le|base64: 'ab'\ncondition: sel`)
    expect(le({ Payload: 'YQBiAA==' })).toBe(true)
    const be = rule(`sel:\n    Payload|utf16be|base64: 'ab'\ncondition: sel`)
    expect(be({ Payload: 'AGEAYg==' })).toBe(true)
  })

  it('cidr for IPv4 and IPv6', () => {
    const m = rule(`sel:\n    DestinationIp|cidr:\n        - '10.0.0.0/8'\n        - '2001:db8::/32'\n        - 'fe80::/10'\ncondition: sel`)
    expect(m({ DestinationIp: '10.1.2.3' })).toBe(true)
    expect(m({ DestinationIp: '11.1.2.3' })).toBe(false)
    expect(m({ DestinationIp: '2001:db8:1::5' })).toBe(true)
    expect(m({ DestinationIp: '2001:DB8:ffff:1:2:3:4:5' })).toBe(true)
    expect(m({ DestinationIp: '2001:db9::1' })).toBe(false)
    expect(m({ DestinationIp: 'fe80::1%12' })).toBe(true)
    expect(m({ DestinationIp: 'not an ip' })).toBe(false)
    const mapped = rule(`sel:\n    DestinationIp|cidr: '::ffff:0:0/96'\ncondition: sel`)
    expect(mapped({ DestinationIp: '::ffff:10.1.2.3' })).toBe(true)
  })

  it('exists and null', () => {
    const ex = rule(`sel:\n    ParentImage|exists: true\ncondition: sel`)
    expect(ex({ ParentImage: 'x' })).toBe(true)
    expect(ex({ ParentImage: '' })).toBe(true)
    expect(ex({ ParentImage: null })).toBe(false)
    expect(ex({})).toBe(false)
    const nex = rule(`sel:\n    ParentImage|exists: false\ncondition: sel`)
    expect(nex({ ParentImage: null })).toBe(true)
    expect(nex({ ParentImage: 'x' })).toBe(false)
    const nul = rule(`sel:\n    OriginalFileName: null\ncondition: sel`)
    expect(nul({})).toBe(true)
    expect(nul({ OriginalFileName: null })).toBe(true)
    expect(nul({ OriginalFileName: '' })).toBe(false)
    const empty = rule(`sel:\n    OriginalFileName: ''\ncondition: sel`)
    expect(empty({ OriginalFileName: '' })).toBe(true)
    expect(empty({})).toBe(false)
  })

  it('a number value matches the number and the numeric string; hex keeps its text', () => {
    const m = rule(`sel:\n    EventID: 4688\ncondition: sel`)
    expect(m({ EventID: 4688 })).toBe(true)
    expect(m({ EventID: '4688' })).toBe(true)
    expect(m({ EventID: 46880 })).toBe(false)
    const hex = rule(`sel:\n    GrantedAccess: 0x1410\ncondition: sel`)
    expect(hex({ GrantedAccess: '0x1410' })).toBe(true)
    expect(hex({ GrantedAccess: '5136' })).toBe(false)
  })

  it('list-valued event fields match when any element does', () => {
    const m = rule(`sel:\n    Tags|contains: 'evil'\ncondition: sel`)
    expect(m({ Tags: ['good', 'Very EVIL'] })).toBe(true)
    expect(m({ Tags: ['good', 'fine'] })).toBe(false)
    expect(m({ Tags: [] })).toBe(false)
  })

  it('value lists are OR, |all makes them AND; list of maps is OR', () => {
    const any = rule(`sel:\n    CommandLine|contains:\n        - 'a1'\n        - 'b2'\ncondition: sel`)
    expect(any({ CommandLine: 'xx b2' })).toBe(true)
    const all = rule(`sel:\n    CommandLine|contains|all:\n        - 'a1'\n        - 'b2'\ncondition: sel`)
    expect(all({ CommandLine: 'xx b2' })).toBe(false)
    expect(all({ CommandLine: 'b2 a1' })).toBe(true)
    const lom = rule(`sel:\n    - Image|endswith: '\\a.exe'\n    - OriginalFileName: 'A.EXE'\ncondition: sel`)
    expect(lom({ Image: 'c:\\b.exe', OriginalFileName: 'a.exe' })).toBe(true)
    expect(lom({ Image: 'c:\\b.exe', OriginalFileName: 'b.exe' })).toBe(false)
  })

  it('keyword lists search every string value, nested too', () => {
    const m = rule(`keywords:\n    - 'mimikatz'\n    - 'sekurlsa::'\ncondition: keywords`)
    expect(m({ a: 1, b: { c: ['x', 'run Mimikatz.exe'] } })).toBe(true)
    expect(m({ a: 'SEKURLSA::logonpasswords' })).toBe(true)
    expect(m({ a: 'benign' })).toBe(false)
    // beyond the depth limit nothing is searched
    expect(m({ a: { b: { c: { d: { e: { f: 'mimikatz' } } } } } })).toBe(false)
    const cond = rule(`keywords:\n    - 'evil'\nsel:\n    Image|endswith: '\\x.exe'\ncondition: sel and keywords`)
    expect(cond({ Image: 'c:\\x.exe', CommandLine: 'evil' })).toBe(true)
    expect(cond({ Image: 'c:\\y.exe', CommandLine: 'evil' })).toBe(false)
  })

  it('conditions: 1 of x*, all of x*, N of, them, not, parentheses', () => {
    const det = `sel_a:\n    A: '1'\nsel_b:\n    B: '1'\nsel_c:\n    C: '1'\nfilter:\n    F: '1'\n`
    const one = rule(det + `condition: 1 of sel_* and not filter`)
    expect(one({ B: '1' })).toBe(true)
    expect(one({ B: '1', F: '1' })).toBe(false)
    expect(one({})).toBe(false)
    const all = rule(det + `condition: all of sel_*`)
    expect(all({ A: '1', B: '1' })).toBe(false)
    expect(all({ A: '1', B: '1', C: '1' })).toBe(true)
    const two = rule(det + `condition: 2 of sel_*`)
    expect(two({ A: '1' })).toBe(false)
    expect(two({ A: '1', C: '1' })).toBe(true)
    const them = rule(det + `condition: all of them`)
    expect(them({ A: '1', B: '1', C: '1' })).toBe(false)
    expect(them({ A: '1', B: '1', C: '1', F: '1' })).toBe(true)
    const oneThem = rule(det + `condition: 1 of them`)
    expect(oneThem({ F: '1' })).toBe(true)
    const paren = rule(det + `condition: sel_a and (sel_b or sel_c) and not (filter)`)
    expect(paren({ A: '1', C: '1' })).toBe(true)
    expect(paren({ A: '1' })).toBe(false)
    expect(paren({ A: '1', B: '1', F: '1' })).toBe(false)
    // precedence: and binds tighter than or
    const prec = rule(det + `condition: sel_a or sel_b and sel_c`)
    expect(prec({ A: '1' })).toBe(true)
    expect(prec({ B: '1' })).toBe(false)
  })

  it('fieldref compares two fields (case-insensitive)', () => {
    const m = rule(`sel:\n    ParentImage|fieldref: Image\ncondition: sel`)
    expect(m({ Image: 'C:\\a.exe', ParentImage: 'c:\\A.EXE' })).toBe(true)
    expect(m({ Image: 'C:\\a.exe', ParentImage: 'c:\\b.exe' })).toBe(false)
    expect(m({ ParentImage: 'c:\\b.exe' })).toBe(false)
    const c = rule(`sel:\n    CommandLine|fieldref|contains: Image\ncondition: sel`)
    expect(c({ Image: 'a.exe', CommandLine: '"A.exe" -x' })).toBe(true)
  })

  it('numeric comparisons lt/lte/gt/gte', () => {
    const gt = rule(`sel:\n    Size|gt: 100\ncondition: sel`)
    expect(gt({ Size: 101 })).toBe(true)
    expect(gt({ Size: '101' })).toBe(true)
    expect(gt({ Size: 100 })).toBe(false)
    expect(gt({ Size: 'abc' })).toBe(false)
    expect(gt({})).toBe(false)
    const range = rule(`a:\n    Port|gte: 1024\nb:\n    Port|lte: 2048\nc:\n    Port|lt: 1500\ncondition: a and b and not c`)
    expect(range({ Port: 1500 })).toBe(true)
    expect(range({ Port: 1499 })).toBe(false)
    expect(range({ Port: 2049 })).toBe(false)
  })

  it('cased makes a value case-sensitive', () => {
    const m = rule(`sel:\n    CommandLine|contains|cased: 'FromBase64'\ncondition: sel`)
    expect(m({ CommandLine: 'x FromBase64String' })).toBe(true)
    expect(m({ CommandLine: 'x frombase64string' })).toBe(false)
  })

  it('expand placeholders never match unless configured', () => {
    const det = `sel:\n    User|expand: '%admins%'\ncondition: sel`
    expect(rule(det)({ User: 'root' })).toBe(false)
    const conf = rule(det, { placeholders: { admins: ['root', 'Administrator'] } })
    expect(conf({ User: 'ADMINISTRATOR' })).toBe(true)
    expect(conf({ User: 'bob' })).toBe(false)
  })
})

describe('engine routing and loading', () => {
  const yaml = `title: Whoami
id: r1
level: high
tags: [attack.discovery]
logsource:
    product: windows
    category: process_creation
detection:
    sel:
        Image|endswith: '\\whoami.exe'
    condition: sel
---
title: Any Sysmon
id: r2
logsource:
    product: windows
    service: sysmon
detection:
    sel:
        Image|endswith: '\\whoami.exe'
    condition: sel
---
title: A correlation
id: c1
correlation:
    type: event_count
    rules: [r1]
    group-by: [Computer]
    timespan: 5m
    condition: { gte: 2 }
`
  const eng = SigmaEngine.fromYaml([yaml, 'title: broken\nid: bad\nlogsource: {product: windows}\ndetection:\n    sel: {a: 1}\n    condition: sel and nope\n'])

  it('collects failures instead of throwing, and compiles correlations', () => {
    expect(eng.stats.compiled).toBe(3)
    expect(eng.stats.correlations).toBe(1)
    expect(eng.stats.rules).toBe(4)
    expect(eng.stats.errors).toHaveLength(1)
    expect(eng.stats.errors[0]?.reason).toMatch(/unknown selection/)
    const res: LoadResult = { rules: [], correlations: [], errors: [], total: 0 }
    loadText(yaml, 'f', res)
    expect(res.correlations).toHaveLength(1)
  })

  it('routes by logsource: process_creation only for Sysmon 1 / Security 4688', () => {
    const img = { Image: 'C:\\Windows\\System32\\whoami.exe' }
    expect(eng.match(sysmon(1, img)).map((m) => m.id).sort()).toEqual(['r1', 'r2'])
    expect(eng.match(sysmon(11, img)).map((m) => m.id)).toEqual(['r2'])
    const m = eng.match(sysmon(1, img)).find((x) => x.id === 'r1')
    expect(m).toEqual({ id: 'r1', title: 'Whoami', level: 'high', tags: ['attack.discovery'] })
    // flat NXLog Security 4688 (NewProcessName aliased to Image)
    const flat = { EventID: 4688, Channel: 'Security', Hostname: 'h', NewProcessName: 'C:\\Windows\\System32\\whoami.exe' }
    expect(eng.match(flat).map((x) => x.id)).toEqual(['r1'])
    // Winlogbeat ECS
    const ecs = { winlog: { channel: 'Microsoft-Windows-Sysmon/Operational', event_id: '1', event_data: img } }
    expect(eng.match(ecs).map((x) => x.id).sort()).toEqual(['r1', 'r2'])
    const dotted = { 'winlog.channel': 'Security', 'winlog.event_id': 4688, 'winlog.event_data.NewProcessName': img.Image }
    expect(eng.match(dotted).map((x) => x.id)).toEqual(['r1'])
  })

  it('ignores non-objects and unknown shapes', () => {
    expect(eng.match(null)).toEqual([])
    expect(eng.match('x')).toEqual([])
    expect(eng.match({ message: 'whoami.exe' })).toEqual([])
  })
})
