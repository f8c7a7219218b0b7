// Who is using the GPU now: the live feed's `activity` events, with the owner's actions.
// After an action the answer is fetched at once, so a button's effect shows without
// waiting for the next tick.
import { useCallback, useEffect, useState } from 'react'
import { useApi } from '../api/context.js'
import type { Activity, PauseInput } from '../api/types.js'
import { useLive } from '../live/live-context.js'

export interface OwnerActions {
  activity: Activity | null
  pause(keyId: string, input: PauseInput): Promise<void>
  resume(keyId: string): Promise<void>
  /** How many requests the kick ended (0 and 0: the key had none running or waiting). */
  kick(keyId: string): Promise<{ running: number; queued: number }>
  pauseAll(duration: string | null): Promise<void>
  resumeAll(): Promise<void>
  /** Mark a key as the owner's (spared by "pause everyone but me"), or not. */
  setOwn(keyId: string, own: boolean): Promise<void>
}

export function useActivity(): OwnerActions {
  const api = useApi()
  const live = useLive()
  const [fetched, setFetched] = useState<Activity | null>(null)
  const refresh = useCallback(async () => setFetched(await api.activity()), [api])
  useEffect(() => {
    void refresh().catch(() => {}) // the feed brings it too; a failed first read is not an error
  }, [refresh])
  // The newer of the two: the feed's latest event, or the answer fetched after an action.
  const activity =
    live.activity && (!fetched || live.activity.ts >= fetched.ts) ? live.activity : fetched
  const after =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const result = await fn(...args)
      await refresh()
      return result
    }
  const done = async () => {}
  return {
    activity,
    pause: after((id: string, input: PauseInput) => api.pauseKey(id, input).then(done)),
    resume: after((id: string) => api.resumeKey(id).then(done)),
    kick: after((id: string) => api.kickKey(id)),
    pauseAll: after((d: string | null) => api.pauseAll(d).then(done)),
    resumeAll: after(() => api.resumeAll().then(done)),
    setOwn: after((id: string, own: boolean) => api.setOwnKey(id, own).then(done)),
  }
}

/** "until 14:30", or "until you resume". */
export function untilText(until: string | null): string {
  if (until === null) return 'until you resume'
  return `until ${new Date(until).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`
}
