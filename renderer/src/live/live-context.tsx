// The live feed, read once for the whole window: the last minute of ticks (for
// the sparklines) and the latest requests survive switching views.
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react'
import { useApi } from '../api/context.js'
import type { Activity, LiveEvent, LiveSnapshot, RequestRecord } from '../api/types.js'
import { ApiError } from '../api/errors.js'

/** Ticks kept for the charts: one a second, so a minute. */
export const HISTORY_TICKS = 60
/** Requests kept from the feed. */
export const RECENT_REQUESTS = 100
/** Requests arriving closer together than this are shown together (one render, not hundreds). */
export const REQUEST_BATCH_MS = 150
const RETRY_MIN_MS = 1000
const RETRY_MAX_MS = 15_000

export type FeedState = 'connecting' | 'open' | 'retrying'

export interface Live {
  snapshot: LiveSnapshot | null
  /** Oldest first, at most HISTORY_TICKS. */
  history: LiveSnapshot[]
  /** Newest first, from the feed since the window opened. */
  requests: RequestRecord[]
  /** Bumped with each request event: views refetch their numbers on it. */
  requestCount: number
  /** Who is using the GPU now, and the pauses (the feed's `activity` events). */
  activity: Activity | null
  state: FeedState
}

const EMPTY: Live = {
  snapshot: null,
  history: [],
  requests: [],
  requestCount: 0,
  activity: null,
  state: 'connecting',
}
export const LiveContext = createContext<Live>(EMPTY)

export function useLive(): Live {
  return useContext(LiveContext)
}

export function LiveProvider({ children }: { children: ReactNode }) {
  const api = useApi()
  const [live, setLive] = useState<Live>(EMPTY)
  const retryMs = useRef(RETRY_MIN_MS)

  useEffect(() => {
    const abort = new AbortController()
    let timer: ReturnType<typeof setTimeout> | undefined
    let batch: RequestRecord[] = []
    let batchTimer: ReturnType<typeof setTimeout> | undefined
    const flush = () => {
      const records = batch.reverse()
      batch = []
      batchTimer = undefined
      setLive((l) => ({
        ...l,
        state: 'open',
        requests: [...records, ...l.requests].slice(0, RECENT_REQUESTS),
        requestCount: l.requestCount + records.length,
      }))
    }
    const onEvent = (event: LiveEvent) => {
      retryMs.current = RETRY_MIN_MS
      if (event.type === 'request') {
        batch.push(event.record)
        batchTimer ??= setTimeout(flush, REQUEST_BATCH_MS)
        return
      }
      if (event.type === 'activity') {
        setLive((l) => ({ ...l, state: 'open', activity: event.activity }))
        return
      }
      setLive((l) => ({
        ...l,
        state: 'open',
        snapshot: event.snapshot,
        history: [...l.history, event.snapshot].slice(-HISTORY_TICKS),
      }))
    }
    const connect = async () => {
      setLive((l) => ({ ...l, state: l.state === 'open' ? 'retrying' : l.state }))
      try {
        await api.events(onEvent, abort.signal)
      } catch (err) {
        if (abort.signal.aborted) return
        if (err instanceof ApiError && err.unauthorized) return // the window shows the lock screen
      }
      if (abort.signal.aborted) return
      setLive((l) => ({ ...l, state: 'retrying' }))
      timer = setTimeout(() => void connect(), retryMs.current)
      retryMs.current = Math.min(retryMs.current * 2, RETRY_MAX_MS)
    }
    void connect()
    return () => {
      abort.abort()
      clearTimeout(timer)
      clearTimeout(batchTimer)
    }
  }, [api])

  return <LiveContext.Provider value={live}>{children}</LiveContext.Provider>
}
