/** The triage view's styles, from the Grafana theme (`useStyles2(getStyles)`). */
import { css } from '@emotion/css'
import type { GrafanaTheme2 } from '@grafana/data'

export const severityColor = (theme: GrafanaTheme2, s: string): string =>
  ({ CRITICAL: theme.colors.error.main, HIGH: theme.visualization.getColorByName('orange'), MEDIUM: theme.colors.warning.main, LOW: theme.colors.info.main })[s.toUpperCase()] ?? theme.colors.text.secondary

/** A native <select> that looks like Grafana's inputs (the triage toolbar and the standalone header). */
export const nativeSelect = (theme: GrafanaTheme2): string =>
  css({
    background: theme.components.input.background,
    color: theme.colors.text.primary,
    border: `1px solid ${theme.components.input.borderColor}`,
    borderRadius: theme.shape.radius.default,
    height: theme.spacing(theme.components.height.md),
    padding: theme.spacing(0, 1),
  })

export const getStyles = (theme: GrafanaTheme2) => ({
  root: css({ position: 'relative', display: 'flex', flexDirection: 'column', gap: theme.spacing(1), height: '100%', overflow: 'hidden', fontSize: theme.typography.bodySmall.fontSize }),
  toolbar: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(1), alignItems: 'center' }),
  select: nativeSelect(theme),
  tableWrap: css({ flex: 1, overflow: 'auto', minHeight: 0 }),
  table: css({
    width: '100%',
    borderCollapse: 'collapse',
    'th, td': { padding: theme.spacing(0.5, 1), borderBottom: `1px solid ${theme.colors.border.weak}`, textAlign: 'left', verticalAlign: 'top' },
    th: { position: 'sticky', top: 0, background: theme.colors.background.secondary, zIndex: 1, whiteSpace: 'nowrap' },
  }),
  sortButton: css({ background: 'none', border: 'none', color: theme.colors.text.primary, cursor: 'pointer', padding: 0, font: 'inherit', fontWeight: theme.typography.fontWeightMedium }),
  row: css({ cursor: 'pointer', '&:hover': { background: theme.colors.action.hover }, '&:focus': { outline: `2px solid ${theme.colors.primary.main}`, outlineOffset: -2 } }),
  rowActive: css({ background: theme.colors.action.selected }),
  chip: css({ display: 'inline-block', padding: theme.spacing(0, 0.5), margin: theme.spacing(0, 0.5, 0.5, 0), borderRadius: theme.shape.radius.default, background: theme.colors.background.secondary, border: `1px solid ${theme.colors.border.weak}`, wordBreak: 'break-all' }),
  severity: css({ fontWeight: theme.typography.fontWeightBold, whiteSpace: 'nowrap' }),
  muted: css({ color: theme.colors.text.secondary }),
  pager: css({ display: 'flex', gap: theme.spacing(1), alignItems: 'center', justifyContent: 'flex-end' }),
  refusal: css({ padding: theme.spacing(1), borderLeft: `4px solid ${theme.colors.error.main}`, background: theme.colors.error.transparent, color: theme.colors.text.primary, whiteSpace: 'pre-wrap' }),
  notice: css({ padding: theme.spacing(1), borderLeft: `4px solid ${theme.colors.success.main}`, background: theme.colors.success.transparent }),
  drawer: css({
    position: 'absolute',
    top: 0,
    right: 0,
    bottom: 0,
    width: 'min(640px, 90%)',
    background: theme.colors.background.primary,
    borderLeft: `1px solid ${theme.colors.border.medium}`,
    boxShadow: theme.shadows.z3,
    overflow: 'auto',
    padding: theme.spacing(1.5),
    zIndex: 2,
  }),
  drawerHeader: css({ display: 'flex', justifyContent: 'space-between', gap: theme.spacing(1), alignItems: 'flex-start' }),
  section: css({ marginTop: theme.spacing(1.5), h4: { fontSize: theme.typography.h6.fontSize, margin: theme.spacing(0, 0, 0.5) } }),
  pre: css({ whiteSpace: 'pre-wrap', wordBreak: 'break-all', fontFamily: theme.typography.fontFamilyMonospace, background: theme.colors.background.secondary, padding: theme.spacing(0.5), margin: 0, maxHeight: 240, overflow: 'auto' }),
  kv: css({ display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: theme.spacing(1), rowGap: theme.spacing(0.25), 'dt': { color: theme.colors.text.secondary }, 'dd': { margin: 0, wordBreak: 'break-all' } }),
  actions: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(0.5), alignItems: 'center' }),
  form: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(1), alignItems: 'center', padding: theme.spacing(1), background: theme.colors.background.secondary, marginTop: theme.spacing(0.5) }),
  list: css({ margin: 0, paddingLeft: theme.spacing(2) }),
})

export type Styles = ReturnType<typeof getStyles>
