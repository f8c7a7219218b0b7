import { useCallback, useEffect, useRef, useState } from 'react'
import { messageOf } from '../api/errors.js'

export interface Resource<T> {
  data: T | undefined
  /** The last load's error, in words; the previous data stays shown. */
  error: string | null
  /** True until the first load settles (refreshes never flip it back). */
  loading: boolean
  reload(): Promise<void>
  /** Replace the data with what an action answered (saves a round trip). */
  set(data: T): void
}

/**
 * Loads data from the control API, and again every `refreshMs` while the view is shown.
 * Answers to an older request never overwrite a newer one.
 */
export function useResource<T>(
  load: () => Promise<T>,
  deps: readonly unknown[],
  refreshMs?: number,
): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined)
  const [error, setError] = useState<string | null>(null)
  const [loading, setLoading] = useState(true)
  const seq = useRef(0)
  const mounted = useRef(true)
  const loadRef = useRef(load)
  loadRef.current = load

  const reload = useCallback(async () => {
    const mine = ++seq.current
    try {
      const next = await loadRef.current()
      if (!mounted.current || mine !== seq.current) return
      setData(next)
      setError(null)
    } catch (err) {
      if (!mounted.current || mine !== seq.current) return
      setError(messageOf(err))
    } finally {
      if (mounted.current && mine === seq.current) setLoading(false)
    }
  }, [])

  useEffect(() => {
    mounted.current = true
    void reload()
    return () => {
      mounted.current = false
    }
  }, deps)

  useEffect(() => {
    if (!refreshMs) return
    const timer = setInterval(() => void reload(), refreshMs)
    return () => clearInterval(timer)
  }, [refreshMs, reload])

  const set = useCallback((next: T) => {
    seq.current++
    setData(next)
    setError(null)
    setLoading(false)
  }, [])

  return { data, error, loading, reload, set }
}

export interface Action<A extends unknown[]> {
  run(...args: A): Promise<boolean>
  busy: boolean
  error: string | null
  clear(): void
}

/** A button's work: busy while it runs, its error in words; `run` resolves true on success. */
export function useAction<A extends unknown[]>(fn: (...args: A) => Promise<unknown>): Action<A> {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const fnRef = useRef(fn)
  fnRef.current = fn
  const mounted = useRef(true)
  useEffect(() => {
    mounted.current = true
    return () => {
      mounted.current = false
    }
  }, [])
  const run = useCallback(async (...args: A) => {
    setBusy(true)
    setError(null)
    try {
      await fnRef.current(...args)
      return true
    } catch (err) {
      if (mounted.current) setError(messageOf(err))
      return false
    } finally {
      if (mounted.current) setBusy(false)
    }
  }, [])
  const clear = useCallback(() => setError(null), [])
  return { run, busy, error, clear }
}
