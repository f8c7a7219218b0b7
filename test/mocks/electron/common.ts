// Pieces every part of the fake uses.
import os from 'node:os'
import path from 'node:path'

export type Fn = (...args: never[]) => unknown
export type Handler = (...args: unknown[]) => unknown

/** An Electron event: `preventDefault()` and whatever details the event carries. */
export class FakeEvent {
  defaultPrevented = false
  constructor(details: Record<string, unknown> = {}) {
    Object.assign(this, details)
  }
  preventDefault(): void {
    this.defaultPrevented = true
  }
}

/** Electron's `appData`, as its docs define it per platform. */
export function electronAppData(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  if (platform === 'win32') return env.APPDATA ?? path.join(home, 'AppData', 'Roaming')
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support')
  return env.XDG_CONFIG_HOME ?? path.join(home, '.config')
}
