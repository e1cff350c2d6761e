import { PanelPlugin } from '@grafana/data'
import { TriagePanel } from './components/TriagePanel'
import { DEFAULT_OPTIONS, type TriageOptions } from './types'

export const plugin = new PanelPlugin<TriageOptions>(TriagePanel).setPanelOptions((builder) =>
  builder
    .addNumberInput({ path: 'pageSize', name: 'Incidents per page', defaultValue: DEFAULT_OPTIONS.pageSize, settings: { min: 5, max: 200, integer: true } })
    .addTextInput({
      path: 'severityVariable',
      name: 'Severity variable',
      description: 'Dashboard variable the severity filter follows and sets (name without $; empty: none)',
      defaultValue: DEFAULT_OPTIONS.severityVariable,
    })
    .addTextInput({ path: 'statusVariable', name: 'Status variable', description: 'Dashboard variable the status filter follows and sets', defaultValue: DEFAULT_OPTIONS.statusVariable })
    .addTextInput({ path: 'ipVariable', name: 'Source IP variable', description: 'Dashboard variable the source IP filter follows and sets', defaultValue: DEFAULT_OPTIONS.ipVariable }),
)
