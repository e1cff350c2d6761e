/** Renders the TriageView on a FakeBackend, with filters held in state as the panel holds them. */
import React, { useState } from 'react'
import { render } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import type { FakeBackend } from '../api/fake'
import { WatchfloorClient } from '../api/watchfloor'
import { NO_FILTERS, TriageView, type Filters } from '../triage/TriageView'
import { NOW, RANGE, fakeApi } from './fixtures'

export function renderTriage(opts: { api?: FakeBackend; filters?: Filters; pageSize?: number } = {}) {
  const api = opts.api ?? fakeApi()
  const client = new WatchfloorClient(api)
  function Harness() {
    const [filters, setFilters] = useState<Filters>(opts.filters ?? NO_FILTERS)
    return <TriageView client={client} filters={filters} onFiltersChange={setFilters} timeRange={RANGE} pageSize={opts.pageSize ?? 10} now={() => NOW} />
  }
  const user = userEvent.setup()
  const view = render(<Harness />)
  return { api, user, ...view }
}
