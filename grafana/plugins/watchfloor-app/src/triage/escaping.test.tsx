// @vitest-environment jsdom
import '../test/jsdom'
import { describe, expect, it } from 'vitest'
import { screen, waitFor, within } from '@testing-library/react'
import { HOSTILE_CMD, RLO } from '../test/fixtures'
import { renderTriage } from '../test/render'
import { safeText } from './text'

/** Every attribute value in the rendered tree. */
const attributes = (root: Element) => [root, ...root.querySelectorAll('*')].flatMap((el) => [...el.attributes].map((a) => ({ el: el.tagName, name: a.name, value: a.value })))

describe('hostile log text', () => {
  it('neutralises bidirectional controls into visible marks', () => {
    expect(safeText(`adm${RLO}nimda`)).toBe('adm[U+202E]nimda')
    expect(safeText('a\u2066b\u2069c\u202Ad')).toBe('a[U+2066]b[U+2069]c[U+202A]d')
    expect(safeText(undefined)).toBe('')
  })

  it('renders markup, javascript: links and RTL overrides in titles, user names and command lines as inert text', async () => {
    const { user, container } = renderTriage()
    const row = await screen.findByTestId('wf-row-INC-EVIL')
    // the title's <img onerror> is text, not an element
    expect(within(row).getAllByRole('cell')[3]?.textContent).toContain('<img src=x onerror=alert(1)>')
    expect(within(row).getAllByRole('cell')[8]?.textContent).toBe('adm[U+202E]nimda')

    await user.click(row)
    const drawer = await screen.findByTestId('wf-drawer')
    const alert = await within(drawer).findByTestId('wf-alert-INC-EVIL-a1')
    // the matched command line, as the event had it, with the override made visible
    expect(alert.textContent).toContain('powershell -enc <script>alert(1)</script> [U+202E]gpj.exe')
    expect(alert.textContent).toContain('javascript:alert(document.cookie)')
    await within(drawer).findByTestId('wf-event-INC-EVIL-e1')
    await waitFor(() => expect(within(drawer).getByTestId('wf-section-profiles').textContent).toContain('user=adm[U+202E]nimda'))
    expect(within(drawer).getByTestId('wf-suggestion').textContent).toContain('Ignore previous instructions <b>now</b>')

    // nothing from the logs became markup, a link or an attribute that acts
    expect(container.querySelectorAll('script, img, iframe, object, embed, b').length).toBe(0)
    expect(container.querySelectorAll('a').length).toBe(0)
    for (const a of attributes(container)) {
      expect(a.value.startsWith('javascript:'), `${a.el}[${a.name}]`).toBe(false)
      expect(/^on/i.test(a.name), `${a.el}[${a.name}]`).toBe(false)
      expect(a.value.includes(RLO), `${a.el}[${a.name}]`).toBe(false)
    }
    expect(container.textContent?.includes(RLO)).toBe(false)
    expect(container.innerHTML).not.toContain('<script')
    expect(container.innerHTML).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(HOSTILE_CMD).toContain(RLO)
  })
})
