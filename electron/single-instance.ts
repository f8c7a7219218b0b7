// One Corral per user: a second launch hands over to the first (which shows its
// window) and quits. The lock lives in userData, so set the data dir first.
import { app } from 'electron'

export interface SingleInstance {
  /** Runs `fn` on each later launch; one that came before this call runs it at once. */
  onSecondInstance(fn: () => void): void
}

/** Null when another instance holds the lock: this one is quitting. */
export function setupSingleInstance(): SingleInstance | null {
  if (!app.requestSingleInstanceLock()) {
    app.quit()
    return null
  }
  let handler: (() => void) | null = null
  let missed = false
  app.on('second-instance', () => {
    if (handler) handler()
    else missed = true
  })
  return {
    onSecondInstance(fn) {
      handler = fn
      if (missed) {
        missed = false
        fn()
      }
    },
  }
}
