/**
 * ATT&CK resolution. The expectations are written out here and in the Sigma fixtures (labelled
 * regression events with their rules, pipeline/test/fixtures/sigma); when the data directory
 * (WATCHFLOOR_DATA_DIR, default ../shared/data) holds the ATT&CK extract and the full regression
 * set, they are also checked against those (read at test time, not copied into the repo).
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { dataPath, fixturePath, needData } from '../../../../test/support/data.js'
import { resolveAttack, resolveTechnique, tacticOrder } from './attack.js'

const ATTACK_SRC = dataPath('attack/enterprise-attack-v18.1.techniques.json')
const SIGMA = dataPath('sigma')
const SIGMA_FIXTURES = fixturePath('sigma')
const DATA_FILE = fileURLToPath(new URL('./attack-data.json', import.meta.url))
const GENERATOR = fileURLToPath(new URL('../../../../scripts/attack/generate.mjs', import.meta.url))
const attackSource = needData('attack/enterprise-attack-v18.1.techniques.json')
const sigmaLabels = needData('sigma/regression_events.labeled.jsonl', 'sigma/rules', 'sigma/rules-emerging-threats', 'sigma/rules-threat-hunting')

interface SourceTechnique {
  name: string
  tactics: string[]
  is_subtechnique: boolean
  parent: string | null
}
interface Source {
  tactic_order: string[]
  techniques: Record<string, SourceTechnique>
  retired_techniques: Record<string, { name: string; status: string; revoked_by: string | null }>
}
const source = (attackSource.have ? JSON.parse(readFileSync(ATTACK_SRC, 'utf8')) : undefined) as Source

interface Label {
  rule_path: string
  attack_techniques: string[]
  attack_tactics: string[]
}
/** The labels of a regression events file; the rule of each is at `rule_path` under the file's own directory. */
const readLabels = (sigmaDir: string, file: string): Label[] =>
  readFileSync(join(sigmaDir, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { label: Label }).label)
const fixtureLabels = readLabels(SIGMA_FIXTURES, 'regression_events.sample.jsonl')

function labelFor(ruleFile: string): Label {
  const label = fixtureLabels.find((l) => l.rule_path.endsWith(`/${ruleFile}`))
  if (!label) throw new Error(`no labelled event for ${ruleFile}`)
  return label
}
function ruleTags(sigmaDir: string, label: Label): string[] {
  const rule = parse(readFileSync(join(sigmaDir, label.rule_path), 'utf8')) as { tags?: string[] }
  return rule.tags ?? []
}
function matchesLabels(sigmaDir: string, labels: Label[]): void {
  expect(labels.length).toBeGreaterThan(0)
  for (const label of labels) {
    const r = resolveAttack(ruleTags(sigmaDir, label))
    expect(r.techniques, label.rule_path).toEqual([...label.attack_techniques].sort())
    expect(r.tactics, label.rule_path).toEqual(expect.arrayContaining(label.attack_tactics))
  }
}

describe('resolveTechnique', () => {
  it('resolves a sub-technique with its own name and its parent tactics', () => {
    expect(resolveTechnique('T1003.001')).toEqual({
      id: 'T1003.001',
      name: 'LSASS Memory',
      tactics: ['credential-access'],
    })
  })

  it('is case-insensitive', () => {
    expect(resolveTechnique('t1059.001')).toEqual({ id: 'T1059.001', name: 'PowerShell', tactics: ['execution'] })
  })

  it('maps a retired id to its replacement', () => {
    expect(resolveTechnique('T1004')).toEqual({
      id: 'T1547.004',
      name: 'Winlogon Helper DLL',
      tactics: ['persistence', 'privilege-escalation'],
      revokedFrom: 'T1004',
    })
  })

  it('follows revocation chains to the current id', () => {
    // T1073 (DLL Side-Loading) -> T1574.002 (itself revoked in v18) -> T1574.001
    expect(resolveTechnique('t1073')).toMatchObject({ id: 'T1574.001', revokedFrom: 'T1073' })
  })

  it('returns undefined for unknown ids and deprecated ids without a replacement', () => {
    expect(resolveTechnique('T9999')).toBeUndefined()
    expect(resolveTechnique('T1059.999')).toBeUndefined()
    expect(resolveTechnique('not-an-id')).toBeUndefined()
    expect(resolveTechnique('T1064')).toBeUndefined()
  })
})

describe.skipIf(!attackSource.have)(attackSource.title('resolveTechnique against the ATT&CK v18.1 extract'), () => {
  it('the extract says what the expectations above assume', () => {
    expect(source.techniques['T1003.001']?.parent).toBe('T1003')
    expect(source.techniques['T1003']?.tactics).toEqual(['credential-access'])
    expect(source.retired_techniques['T1004']).toMatchObject({ status: 'revoked', revoked_by: 'T1547.004' })
    expect(source.techniques['T1547.004']?.name).toBe('Winlogon Helper DLL')
    expect(source.retired_techniques['T1073']?.revoked_by).toBe('T1574.002')
    expect(source.retired_techniques['T1574.002']?.revoked_by).toBe('T1574.001')
    expect(source.retired_techniques['T1064']).toMatchObject({ status: 'deprecated', revoked_by: null })
  })

  it('resolves every current and every replaced id in the table', () => {
    for (const id of Object.keys(source.techniques)) expect(resolveTechnique(id)?.id).toBe(id)
    for (const [id, r] of Object.entries(source.retired_techniques)) {
      if (r.revoked_by) expect(resolveTechnique(id)?.revokedFrom).toBe(id)
    }
  })
})

describe('resolveAttack', () => {
  it('resolves the tags of a labelled rule (with a software tag) to the labelled techniques and tactics', () => {
    const label = labelFor('proc_creation_win_bitsadmin_download.yml')
    const tags = ruleTags(SIGMA_FIXTURES, label)
    expect(tags).toContain('attack.s0190')
    const r = resolveAttack(tags)
    expect(r.techniques).toEqual(['T1036.003', 'T1105', 'T1197'])
    expect(r.techniques).toEqual([...label.attack_techniques].sort())
    expect(r.tactics).toEqual(expect.arrayContaining(label.attack_tactics))
    expect(r.names).toEqual({
      'T1036.003': 'Rename Legitimate Utilities',
      T1105: 'Ingress Tool Transfer',
      T1197: 'BITS Jobs',
    })
    // Ordered by ATT&CK tactic order.
    expect(r.tactics).toEqual(tacticOrder().filter((t) => r.tactics.includes(t)))
  })

  it('resolves sub-techniques of one parent and adds no stray tactics', () => {
    const label = labelFor('proc_creation_win_pua_memprocfs.yml')
    const r = resolveAttack(ruleTags(SIGMA_FIXTURES, label))
    expect(r.techniques).toEqual(['T1003', 'T1003.001', 'T1003.002', 'T1003.004'])
    expect(r.tactics).toEqual(['credential-access'])
    expect(r.tactics).toEqual(label.attack_tactics)
  })

  it('matches the labels of every labelled rule of the fixtures', () => {
    expect(fixtureLabels).toHaveLength(5)
    matchesLabels(SIGMA_FIXTURES, fixtureLabels)
  })

  it.skipIf(!sigmaLabels.have)(sigmaLabels.title('matches the labels of every labelled rule of the full regression set'), () => {
    matchesLabels(SIGMA, readLabels(SIGMA, 'regression_events.labeled.jsonl'))
  })

  it('unions tag tactics with technique tactics, maps retired ids and ignores groups/software', () => {
    const r = resolveAttack(['attack.credential_access', 'attack.T1004', 'attack.g0016', 'attack.s0002', 'attack.t9999', 'cve.2021-1'])
    expect(r.techniques).toEqual(['T1547.004'])
    expect(r.tactics).toEqual(['persistence', 'privilege-escalation', 'credential-access'])
    expect(r.names).toEqual({ 'T1547.004': 'Winlogon Helper DLL' })
    expect(resolveAttack([])).toEqual({ techniques: [], tactics: [], names: {} })
  })
})

describe('attack-data.json', () => {
  const data = JSON.parse(readFileSync(DATA_FILE, 'utf8')) as {
    version: string
    attribution: string
    license: string
    tactic_order: string[]
  }

  it('carries the MITRE attribution and licence', () => {
    expect(data.version).toBe('enterprise-attack-v18.1')
    expect(data.attribution).toContain('MITRE ATT&CK')
    expect(data.attribution).toContain('The MITRE Corporation')
    expect(data.license).toContain('reproduce MITRE')
    expect(tacticOrder()).toEqual(data.tactic_order)
  })

  it.skipIf(!attackSource.have)(attackSource.title('has the tactic order of the source'), () => {
    expect(tacticOrder()).toEqual(source.tactic_order)
  })

  it.skipIf(!attackSource.have)(attackSource.title('is exactly what the generator produces from the source'), () => {
    const dir = mkdtempSync(join(tmpdir(), 'attack-gen-'))
    try {
      const out = join(dir, 'attack-data.json')
      execFileSync(process.execPath, [GENERATOR, ATTACK_SRC, out], { stdio: 'pipe' })
      expect(readFileSync(out, 'utf8')).toBe(readFileSync(DATA_FILE, 'utf8'))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('alerts use the table', () => {
  it('maps a retired technique tag to its current id and adds its tactics', async () => {
    const { attackFromTags } = await import('./alerts.js')
    const a = attackFromTags(['attack.t1004', 'attack.g0016'])
    expect(a.techniques).toEqual(['T1547.004'])
    expect(a.tactics).toEqual(expect.arrayContaining(['persistence', 'privilege-escalation']))
  })
})
