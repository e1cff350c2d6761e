/** Ids shared by the app, its nested panel and the plugin proxy URL. */
export const APP_ID = 'watchfloor-triage-app'
export const PANEL_ID = 'watchfloor-triage-panel'

/** The app's settings: `jsonData` is readable by every viewer, so it holds no secret; the token lives in `secureJsonData`. */
export interface AppSettings {
  /** Base URL of the Watchfloor API as Grafana's server reaches it, without `/api` (e.g. `http://watchfloor:8080`). */
  apiUrl?: string
}
