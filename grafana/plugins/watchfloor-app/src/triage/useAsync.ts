/** A promise's state for rendering: loading, its value, or its error as the API gave it. Stale answers (deps changed meanwhile) are dropped. */
import { useEffect, useState, type DependencyList } from 'react'
import { asApiError, type ApiError } from '../api/backend'

export interface AsyncState<T> {
  loading: boolean
  value?: T
  error?: ApiError
}

export function useAsync<T>(fn: () => Promise<T>, deps: DependencyList): AsyncState<T> {
  const [state, setState] = useState<AsyncState<T>>({ loading: true })
  useEffect(() => {
    let live = true
    setState((s) => ({ ...s, loading: true }))
    fn().then(
      (value) => live && setState({ loading: false, value }),
      (e: unknown) => live && setState({ loading: false, error: asApiError(e) }),
    )
    return () => {
      live = false
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps)
  return state
}
