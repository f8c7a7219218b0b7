// What `npm run dist` packages, checked without Electron's binary: the icons are real
// PNGs of the right sizes, and build/electron-builder.yml passes electron-builder's
// own loader and schema with the settings the app depends on.
import fs from 'node:fs'
import path from 'node:path'
import { inflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js'
import { DebugLogger } from 'builder-util/out/DebugLogger.js'
import { nativeImage } from '../mocks/electron.js'
import { APP_ID, appFiles } from '../../electron/paths.js'
import { trayIconPath } from '../../electron/tray.js'

const root = process.cwd()
const STATES = ['off', 'sharing', 'down', 'error'] as const

/** Width and height from the IHDR chunk, after checking the data inflates to the right size. */
function pngSize(file: string): { width: number; height: number } {
  const buf = fs.readFileSync(file)
  expect(buf.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  expect(buf.toString('ascii', 12, 16)).toBe('IHDR')
  const width = buf.readUInt32BE(16)
  const height = buf.readUInt32BE(20)
  const idat: Buffer[] = []
  for (let i = 8; i < buf.length;) {
    const len = buf.readUInt32BE(i)
    if (buf.toString('ascii', i + 4, i + 8) === 'IDAT') idat.push(buf.subarray(i + 8, i + 8 + len))
    i += 12 + len
  }
  expect(inflateSync(Buffer.concat(idat)).length).toBe(height * (width * 4 + 1))
  return { width, height }
}

describe('icons', () => {
  it('has a tray icon for every state, at 16 px and 32 px (@2x)', () => {
    const { iconsDir } = appFiles(path.join(root, 'electron'))
    for (const state of STATES) {
      const file = trayIconPath(iconsDir, state)
      expect(nativeImage.createFromPath(file).isEmpty()).toBe(false)
      expect(pngSize(file)).toEqual({ width: 16, height: 16 })
      expect(pngSize(file.replace(/\.png$/, '@2x.png'))).toEqual({ width: 32, height: 32 })
    }
  })

  it('has the app icon at 1024 px and the Linux set', () => {
    expect(pngSize(path.join(root, 'build', 'icon.png'))).toEqual({ width: 1024, height: 1024 })
    for (const n of [16, 32, 48, 64, 128, 256, 512]) {
      expect(pngSize(path.join(root, 'build', 'icons', `${n}x${n}.png`))).toEqual({
        width: n,
        height: n,
      })
    }
  })
})

describe('build/electron-builder.yml', () => {
  it("passes electron-builder's own validation", async () => {
    const config = await getConfig(root, path.join(root, 'build', 'electron-builder.yml'), null)
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined()
  })

  it('packages the bundles, the icons, and better-sqlite3 rebuilt and outside the asar', async () => {
    const config = await getConfig(root, path.join(root, 'build', 'electron-builder.yml'), null)
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      main: string
      scripts: Record<string, string>
    }
    expect(config.appId).toBe(APP_ID)
    expect(config.productName).toBe('Corral')
    expect(config.extraMetadata).toMatchObject({ main: pkg.main })
    // electron-builder normalises `files` to one file set: { filter: [...] }.
    expect(config.files).toEqual([
      { filter: expect.arrayContaining(['package.json', 'dist/**/*', 'build/icons/**/*.png']) },
    ])
    expect(config.asarUnpack).toEqual(['**/node_modules/better-sqlite3/**'])
    expect(config.npmRebuild).toBe(true)
    expect(config.linux?.target).toEqual(['AppImage', 'deb'])
    expect(config.mac?.target).toBe('dmg')
    expect(config.win?.target).toBe('nsis')
    expect(pkg.scripts.dist).toContain('--config build/electron-builder.yml')
    expect(pkg.scripts.start).toBe('npm run build && electron .')
  })

  /** Issue 28: the deb recommended an AppIndicator library Electron never loads. */
  it('recommends what shows a StatusNotifierItem tray on GNOME, not an AppIndicator library', async () => {
    const config = await getConfig(root, path.join(root, 'build', 'electron-builder.yml'), null)
    expect(config.deb?.recommends).toEqual(['gnome-shell-extension-appindicator'])
    expect(JSON.stringify(config.deb)).not.toMatch(/appindicator3/)
  })

  /** Issue 28: macOS shows notification buttons only with the alert style. */
  it('asks macOS for alert-style notifications, so the "Share on this network" button shows', async () => {
    const config = await getConfig(root, path.join(root, 'build', 'electron-builder.yml'), null)
    expect(config.mac?.extendInfo).toMatchObject({ NSUserNotificationAlertStyle: 'alert' })
  })

  it('flips the fuses that let a local process run code as the app', async () => {
    const config = await getConfig(root, path.join(root, 'build', 'electron-builder.yml'), null)
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    })
  })
})
