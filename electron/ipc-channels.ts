// IPC channel names shared by the main process and the preload (bundled into both).

export const IPC = {
  /** Sync, page -> main: the control token, for the app's own window only. */
  controlToken: 'corral:control-token',
  /** page -> main: open an http(s) URL in the user's browser. */
  openExternal: 'corral:open-external',
  /** main -> page: open a view of the UI (a `DesktopRoute`). */
  navigate: 'corral:navigate',
} as const

/** Views the tray can open in the UI. */
export type DesktopRoute = 'add-device' | 'add-guest' | 'keys'
