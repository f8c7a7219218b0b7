// Messages between the desktop app's main process and its gateway child. The child is an
// Electron utilityProcess in the app (electron/gateway-host.ts) or a Node child process
// (tests, bench); either way the main process then talks to the gateway only through the
// control API, like the window and the CLI.

/** Child -> parent. */
export type ChildMessage =
  | {
      type: 'ready'
      controlUrl: string
      token: string
      gatewayPort: number | null
      /** Why the gateway is not fully up (e.g. the LAN port is taken); null when all is well. */
      error: string | null
      /** How long a 'stop' may take it (the grace period and its own hard limit, close.ts). */
      stopLimitMs?: number
    }
  | { type: 'failed'; error: string }
  | { type: 'stopped' }

/**
 * Parent -> child. 'stop': stop cleanly (streams get the grace period). 'session-end':
 * Windows' session is ending, the essentials at once (child/session-end.ts), then exit.
 */
export type ParentMessage = { type: 'stop' } | { type: 'session-end' }

export function isParentMessage(m: unknown): m is ParentMessage {
  if (typeof m !== 'object' || m === null) return false
  const type = (m as { type?: unknown }).type
  return type === 'stop' || type === 'session-end'
}

export function isChildMessage(m: unknown): m is ChildMessage {
  if (typeof m !== 'object' || m === null) return false
  const type = (m as { type?: unknown }).type
  return type === 'ready' || type === 'failed' || type === 'stopped'
}
