// The packaged app, run for real (issue 28): electron-builder --dir's executable under
// playwright-core's _electron, with its own data folder and a stand-in Ollama. Runs with
// `npm run test:desktop-smoke` wherever Electron's binary can be installed (the
// desktop-smoke workflow: Ubuntu under xvfb and a D-Bus session, macOS, Windows). Where
// there is no packaged app it is skipped, and says why.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses'
import { _electron, type ElectronApplication } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeOllama, type FakeOllama } from '../support/fake-ollama.js'
import {
  control,
  osLoginItem,
  packagedExecutable,
  readControl,
  smokeDirs,
  smokeEnv,
  whyNotRunnable,
  writeSmokeConfig,
  type ControlInfo,
} from './packaged-app.js'

const reason = whyNotRunnable()
if (reason) console.warn(`desktop smoke test skipped: ${reason}`)

const QUIT_LIMIT_MS = 20_000
/** A fuse's byte in the wire: '0' and '1' (@electron/fuses constants.ts, not exported). */
const FuseState = { DISABLE: 48, ENABLE: 49 } as const
const STATES = ['off', 'sharing', 'down', 'error']

describe.skipIf(reason !== null)('the packaged desktop app', () => {
  const dirs = smokeDirs()
  const output: string[] = []
  const consoleErrors: string[] = []
  let ollama: FakeOllama
  let electronApp: ElectronApplication
  let info: ControlInfo

  beforeAll(async () => {
    ollama = await startFakeOllama()
    writeSmokeConfig(dirs.dataDir, ollama.url)
    electronApp = await _electron.launch({
      executablePath: packagedExecutable()!,
      args: process.platform === 'linux' ? ['--no-sandbox'] : [],
      env: smokeEnv(dirs),
      timeout: 60_000,
    })
    const child = electronApp.process()
    child.stdout?.on('data', (d: Buffer) => output.push(d.toString()))
    child.stderr?.on('data', (d: Buffer) => output.push(d.toString()))
    const page = await electronApp.firstWindow()
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text())
    })
    await page.waitForLoadState('domcontentloaded')
    for (let i = 0; i < 100 && !readControl(dirs.dataDir); i++) await sleep(200)
    info = readControl(dirs.dataDir)!
  }, 120_000)

  afterAll(async () => {
    await electronApp?.close().catch(() => {})
    await ollama?.close()
  })

  it('opens its window on the control origin, with the control token from the preload', async () => {
    expect(info).toBeTruthy()
    const page = await electronApp.firstWindow()
    expect(new URL(page.url()).origin).toBe(new URL(info.url).origin)
    const token = await page.evaluate(
      () => (globalThis as { corral?: { controlToken: string | null } }).corral?.controlToken,
    )
    expect(token).toBe(info.token)
    expect((await control(info, '/control/status')).status).toBe(200)
    expect(consoleErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([])
  })

  it('keeps its data in the data folder, runs from app.asar and loads every tray icon', async () => {
    const facts = await electronApp.evaluate(({ app, nativeImage }, states) => {
      const icons = states.map((s) =>
        nativeImage.createFromPath(`${app.getAppPath()}/build/icons/tray/${s}.png`).isEmpty(),
      )
      return { userData: app.getPath('userData'), appPath: app.getAppPath(), icons }
    }, STATES)
    expect(path.resolve(facts.userData)).toBe(path.resolve(dirs.dataDir))
    expect(facts.appPath).toMatch(/app\.asar$/)
    expect(facts.icons).toEqual(STATES.map(() => false))
  })

  it('has the release fuses, but the inspector playwright drives it by (dist:smoke)', async () => {
    const exe = packagedExecutable()!
    const wire = await getCurrentFuseWire(
      exe.includes('.app') ? exe.split('.app')[0] + '.app' : exe,
    )
    const state = (f: FuseV1Options) => wire[f]
    // build/electron-builder.yml's electronFuses; the release build also has the inspector off.
    expect({
      runAsNode: state(FuseV1Options.RunAsNode),
      cookieEncryption: state(FuseV1Options.EnableCookieEncryption),
      nodeOptions: state(FuseV1Options.EnableNodeOptionsEnvironmentVariable),
      asarIntegrity: state(FuseV1Options.EnableEmbeddedAsarIntegrityValidation),
      onlyAsar: state(FuseV1Options.OnlyLoadAppFromAsar),
      fileProtocol: state(FuseV1Options.GrantFileProtocolExtraPrivileges),
      inspector: state(FuseV1Options.EnableNodeCliInspectArguments),
    }).toEqual({
      runAsNode: FuseState.DISABLE,
      cookieEncryption: FuseState.ENABLE,
      nodeOptions: FuseState.DISABLE,
      asarIntegrity: FuseState.ENABLE,
      onlyAsar: FuseState.ENABLE,
      fileProtocol: FuseState.DISABLE,
      inspector: FuseState.ENABLE,
    })
  })

  it('has no Reload or DevTools in its menus, and keeps Chromium’s files in Session/', async () => {
    const facts = await electronApp.evaluate(({ app, BrowserWindow, Menu }) => {
      const roles: string[] = []
      const walk = (items: Electron.MenuItem[]) => {
        for (const i of items) {
          if (i.role) roles.push(i.role)
          if (i.submenu) walk(i.submenu.items)
        }
      }
      walk(Menu.getApplicationMenu()?.items ?? [])
      const win = BrowserWindow.getAllWindows()[0]
      return {
        roles,
        devTools: win ? win.webContents.isDevToolsOpened() : null,
        sessionData: app.getPath('sessionData'),
      }
    })
    expect(facts.roles.filter((r) => /reload|devtools/i.test(r))).toEqual([])
    expect(facts.devTools).toBe(false)
    expect(path.resolve(facts.sessionData)).toBe(path.resolve(dirs.dataDir, 'Session'))
    // Chromium writes its own files (Local Storage, Preferences, caches) there, not beside
    // config.json; the data folder holds Corral's files and Chromium's few top-level ones.
    expect(fs.existsSync(path.join(dirs.dataDir, 'Session'))).toBe(true)
    const top = fs.readdirSync(dirs.dataDir)
    for (const chromium of ['Local Storage', 'Cache', 'Code Cache', 'GPUCache', 'Preferences'])
      expect(top, chromium).not.toContain(chromium)
  })

  it('records a request through the gateway in corral.db (the stats worker and SQLite in the package)', async () => {
    const created = await control(info, '/control/keys', {
      method: 'POST',
      body: { name: 'smoke' },
    })
    expect(created.status).toBe(201)
    const key = (created.body as { key: string }).key
    const status = (await control(info, '/control/status')).body as { urls: string[] }
    const res = await fetch(`${status.urls[0]}/api/tags`, {
      headers: { authorization: `Bearer ${key}` },
    })
    expect(res.status).toBe(200)
    const recent = await control(info, '/control/stats/recent')
    expect(JSON.stringify(recent.body)).toContain('/api/tags')
    expect(fs.statSync(path.join(dirs.dataDir, 'corral.db')).size).toBeGreaterThan(0)
  })

  it('turns "Start at login" on and off in the OS', async () => {
    for (const on of [true, false]) {
      const r = await control(info, '/control/settings', {
        method: 'PATCH',
        body: { desktop: { startAtLogin: on } },
      })
      expect(r.status).toBe(200)
      await waitUntil(async () => {
        const os = osLoginItem(dirs)
        if (os !== null) return os === on
        // macOS: only a signed, notarized app registers reliably (electron docs/api/app.md).
        return (
          (await electronApp.evaluate(({ app }) => app.getLoginItemSettings().status)) !== undefined
        )
      })
    }
  })

  it('hands a second launch over to the first, which shows its window', async () => {
    await electronApp.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.hide())
    const second = spawn(
      packagedExecutable()!,
      process.platform === 'linux' ? ['--no-sandbox'] : [],
      {
        env: smokeEnv(dirs),
        stdio: 'ignore',
      },
    )
    const code = await new Promise<number | null>((resolve) => second.on('exit', resolve))
    expect(code).toBe(0)
    await waitUntil(() =>
      electronApp.evaluate(({ BrowserWindow }) =>
        BrowserWindow.getAllWindows().some((w) => w.isVisible()),
      ),
    )
  })

  it('quits within 20 s, removes control.json and printed no error dialog or stats failure', async () => {
    const exited = new Promise<void>((resolve) => electronApp.process().on('exit', () => resolve()))
    const started = Date.now()
    await electronApp.evaluate(({ app }) => app.quit())
    await exited
    expect(Date.now() - started).toBeLessThan(QUIT_LIMIT_MS)
    expect(fs.existsSync(path.join(dirs.dataDir, 'control.json'))).toBe(false)
    const all = output.join('')
    expect(all).not.toMatch(/A JavaScript error occurred/)
    expect(all).not.toMatch(/stats are not being saved|stats are off/i)
  })
})

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

async function waitUntil(check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await sleep(250)
  }
}
