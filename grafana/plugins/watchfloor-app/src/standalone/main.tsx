/**
 * The standalone UI's entry (bundled by `.config/esbuild/standalone.mjs`, served by the API at
 * `/`): the App in Grafana's dark theme. @grafana/ui runs here without the Grafana runtime; it
 * needs only a theme, given through ThemeContext as Grafana itself gives it. Icons are the one
 * thing it fetches from Grafana's server (/public/build/img/icons), so this page uses none; its
 * GlobalStyles would fetch Grafana's fonts the same way, so page.css sets the few base rules instead.
 */
import React from 'react'
import { createRoot } from 'react-dom/client'
import { ThemeContext, createTheme } from '@grafana/data'
import { App } from './App'
import { sessionTokens } from './session'

const theme = createTheme({ colors: { mode: 'dark' } })
const root = document.getElementById('root')
if (root) {
  createRoot(root).render(
    <React.StrictMode>
      <ThemeContext.Provider value={theme}>
        <App tokens={sessionTokens()} />
      </ThemeContext.Provider>
    </React.StrictMode>,
  )
}
