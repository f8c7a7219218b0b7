// The app's data folder is Electron's userData, and it is the folder the `corral` CLI
// uses by default, so both share config, keys and stats.
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { app, electronAppData } from '../mocks/electron.js'
import { setupDataDir, appFiles } from '../../electron/paths.js'
import { APP_NAME, defaultDataDir } from '../../gateway/config/paths.js'

describe('the data folder', () => {
  it.each(['linux', 'darwin', 'win32'] as const)(
    'is <appData>/Corral, the CLI default, on %s',
    (platform) => {
      const home = path.join(path.sep, 'home', 'ada')
      const env = platform === 'win32' ? { APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' } : {}
      app.setPath('appData', electronAppData(env, platform, home))
      const dir = setupDataDir({})
      expect(dir).toBe(path.join(electronAppData(env, platform, home), APP_NAME))
      expect(dir).toBe(defaultDataDir(env, platform, home))
      expect(app.getPath('userData')).toBe(dir)
      expect(app.getName()).toBe('Corral')
    },
  )

  it('follows CORRAL_DATA_DIR, as the CLI does', () => {
    const dir = setupDataDir({ CORRAL_DATA_DIR: '/srv/corral' })
    expect(dir).toBe(path.resolve('/srv/corral'))
    expect(app.getPath('userData')).toBe(dir)
    expect(defaultDataDir({ CORRAL_DATA_DIR: '/srv/corral' })).toBe(dir)
  })

  it('takes --data-dir= from the command line (a login item), before CORRAL_DATA_DIR', () => {
    const dir = setupDataDir({ CORRAL_DATA_DIR: '/srv/other' }, ['corral', '--data-dir=/srv/c'])
    expect(dir).toBe(path.resolve('/srv/c'))
    expect(app.getPath('userData')).toBe(dir)
  })

  it("keeps Chromium's own files in a subfolder", () => {
    const dir = setupDataDir({ CORRAL_DATA_DIR: '/srv/corral' })
    expect(app.getPath('sessionData')).toBe(path.join(dir, 'Session'))
  })

  it('finds the preload, UI and icons from the source tree and from the bundle alike', () => {
    const root = process.cwd()
    for (const here of [path.join(root, 'electron'), path.join(root, 'dist', 'electron')]) {
      expect(appFiles(here)).toEqual({
        root,
        preload: path.join(root, 'dist', 'electron', 'preload.cjs'),
        uiDir: path.join(root, 'dist', 'renderer'),
        iconsDir: path.join(root, 'build', 'icons'),
      })
    }
  })
})
