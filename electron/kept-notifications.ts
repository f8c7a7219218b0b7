// Shown notifications stay referenced until they close. Electron does not hold a shown
// Notification: once the app drops it, it is garbage-collected and its 'click' and
// 'action' handlers never run (electron/electron#12690; electron docs/api/notification.md,
// getHistory: "Keep references so events continue to fire"). A notification leaves this
// set when it closes, fails, or has been answered (clicked or its button pressed).
import { Notification, type NotificationConstructorOptions } from 'electron'

/** The most notifications held at once; the oldest is let go past this (it is long gone). */
export const MAX_KEPT_NOTIFICATIONS = 50

const kept = new Set<Notification>()

export interface NoticeHandlers {
  /** A click on the notification's body. */
  onClick?: () => void
  /** Its first button (macOS, signed and with the alert style; Windows). */
  onAction?: () => void
}

/** Shows a notification and holds it until it is closed or answered. */
export function showKept(
  options: NotificationConstructorOptions,
  handlers: NoticeHandlers,
): Notification {
  const n = new Notification(options)
  const release = () => void kept.delete(n)
  n.on('click', () => {
    release()
    handlers.onClick?.()
  })
  if (handlers.onAction) {
    const onAction = handlers.onAction
    n.on('action', () => {
      release()
      onAction()
    })
  }
  n.on('close', release)
  n.on('failed', release)
  kept.add(n)
  if (kept.size > MAX_KEPT_NOTIFICATIONS) {
    const oldest = kept.values().next().value
    if (oldest) kept.delete(oldest)
  }
  n.show()
  return n
}

/** How many are held now (tests). */
export function keptCount(): number {
  return kept.size
}

/** Lets every one go (the app quits). */
export function releaseAll(): void {
  kept.clear()
}
