import { AppPlugin } from '@grafana/data'
import { AppConfig } from './components/AppConfig'
import type { AppSettings } from './constants'

/** The app: its configuration page; the triage panel is the nested plugin in panels/triage. */
export const plugin = new AppPlugin<AppSettings>().addConfigPage({ title: 'Configuration', icon: 'cog', body: AppConfig, id: 'configuration' })
