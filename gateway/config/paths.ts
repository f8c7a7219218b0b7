import os from 'node:os'
import path from 'node:path'

/** The product name: the folder Electron's `app.getPath('userData')` uses too. */
export const APP_NAME = 'Corral'

/**
 * The OS app-data folder for Corral, the same one Electron gives as userData,
 * so the CLI and the desktop app share config and stats.
 */
export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  if (env.CORRAL_DATA_DIR) return path.resolve(env.CORRAL_DATA_DIR)
  return osDataDir(env, platform, home)
}

/**
 * The folder an app started from Finder, the Start menu or a desktop entry uses: the OS
 * app-data folder, whatever CORRAL_DATA_DIR a shell may set (such a launch never sees it).
 */
export function osDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  if (platform === 'win32') {
    return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_NAME)
  }
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_NAME)
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), APP_NAME)
}

export const dataFiles = (dataDir: string) => ({
  config: path.join(dataDir, 'config.json'),
  lastGood: path.join(dataDir, 'config.last-good.json'),
  db: path.join(dataDir, 'corral.db'),
  logs: path.join(dataDir, 'logs'),
  control: path.join(dataDir, 'control.json'),
  /** Only in the OS default folder: where a server on another folder runs (elsewhere.ts). */
  elsewhere: path.join(dataDir, 'elsewhere.json'),
})
