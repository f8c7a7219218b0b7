// Where the desktop app's files are (preload, UI, icons) and where its data lives.
// The data folder is the one `corral` uses by default, so the CLI and the app share
// config and stats: Electron's userData is `<appData>/<app name>`, and
// `defaultDataDir()` is `<the same appData>/Corral`.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { app } from 'electron'
import { APP_NAME } from '../gateway/config/paths.js'

/** Also electron-builder's `appId`: Windows matches notifications to the app by it. */
export const APP_ID = 'dev.corral.app'

export interface AppFiles {
  /** The folder holding package.json (the repository, or app.asar when packaged). */
  root: string
  /** The sandboxed preload bundle (CommonJS). */
  preload: string
  /** The built React UI the control listener serves. */
  uiDir: string
  /** Tray and window icons (build/icons, packaged with the app). */
  iconsDir: string
}

/**
 * Locations relative to this code: it runs bundled from `dist/electron/main.js`
 * (the app) or from `electron/*.ts` (tests), and both sit one level under the root.
 */
export function appFiles(here: string = path.dirname(fileURLToPath(import.meta.url))): AppFiles {
  const parent = path.dirname(here)
  const root = path.basename(parent) === 'dist' ? path.dirname(parent) : parent
  return {
    root,
    preload: path.join(root, 'dist', 'electron', 'preload.cjs'),
    uiDir: path.join(root, 'dist', 'renderer'),
    iconsDir: path.join(root, 'build', 'icons'),
  }
}

/**
 * `--data-dir=DIR`: what a login item passes when the app ran with `CORRAL_DATA_DIR`, since
 * a login launch does not see a variable set in a shell (login-item.ts). It wins over the
 * variable.
 */
export const DATA_DIR_FLAG = '--data-dir='

/** The argument that keeps a chosen data folder for a later launch (none for the default). */
export function dataDirArgs(env: NodeJS.ProcessEnv = process.env): string[] {
  return env.CORRAL_DATA_DIR ? [`${DATA_DIR_FLAG}${path.resolve(env.CORRAL_DATA_DIR)}`] : []
}

/**
 * Names the app Corral and points userData at Corral's data folder. Electron computes
 * userData from package.json's name before our code runs ("corral", lowercase), so it is
 * set here explicitly. Run it before anything else: the single-instance lock lives in
 * userData. `CORRAL_DATA_DIR` moves it, as it moves the CLI's. Chromium's own files
 * (cache, local storage) go to a `Session` subfolder, out of the way of config.json.
 */
export function setupDataDir(
  env: NodeJS.ProcessEnv = process.env,
  argv: readonly string[] = process.argv,
): string {
  app.setName(APP_NAME)
  const fromArgs = argv.find((a) => a.startsWith(DATA_DIR_FLAG))?.slice(DATA_DIR_FLAG.length)
  const chosen = fromArgs || env.CORRAL_DATA_DIR
  const dir = chosen ? path.resolve(chosen) : path.join(app.getPath('appData'), APP_NAME)
  app.setPath('userData', dir)
  app.setPath('sessionData', path.join(dir, 'Session'))
  return dir
}
