/**
 * What jsdom lacks and @grafana/ui expects at import or render time (matchMedia, ResizeObserver,
 * IntersectionObserver, scrollIntoView). Imported first by every panel test, before @grafana/ui.
 */
import { afterEach } from 'vitest'
import { cleanup } from '@testing-library/react'

if (typeof window !== 'undefined') {
  if (!window.matchMedia) {
    window.matchMedia = (query: string): MediaQueryList => ({
      matches: false,
      media: query,
      onchange: null,
      addListener: () => undefined,
      removeListener: () => undefined,
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
      dispatchEvent: () => false,
    })
  }
  class NoopObserver {
    observe(): void {}
    unobserve(): void {}
    disconnect(): void {}
    takeRecords(): [] {
      return []
    }
  }
  const g = globalThis as unknown as Record<string, unknown>
  g.ResizeObserver ??= NoopObserver
  g.IntersectionObserver ??= NoopObserver
  if (!Element.prototype.scrollIntoView) Element.prototype.scrollIntoView = () => undefined
}

afterEach(() => cleanup())
