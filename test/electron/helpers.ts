// What the desktop suites share: a temp data folder with a config that keeps every
// socket on 127.0.0.1 (ports 0, no mDNS), a running desktop app on the Electron fake,
// and cleanup that quits it and resets the fake.
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterEach } from 'vitest'
import { resetElectronFake, Tray, type Menu, type MenuItem } from '../mocks/electron.js'
import { startDesktop, type Desktop, type DesktopOptions } from '../../electron/desktop.js'
import { InProcessGateway } from '../../gateway/child/in-process.js'
import type { GatewayOptions } from '../../gateway/child/app-gateway.js'
import { appFiles } from '../../electron/paths.js'
import type { RunningCorral } from '../../gateway/server.js'
import { createNoopDiscovery } from '../../gateway/discovery/mdns.js'
import { silentLogger } from '../../gateway/util/logger.js'
import { createKey } from '../../gateway/auth/manage.js'
import type { BackendRecord } from '../../gateway/config/schema.js'

const cleanups: (() => Promise<void> | void)[] = []

afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
  resetElectronFake()
})

/** Runs after the current test, last registered first. */
export function onCleanup(fn: () => Promise<void> | void): void {
  cleanups.push(fn)
}

export function tempDir(prefix = 'corral-app-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

export function backend(url: string, name = 'Test Ollama'): Partial<BackendRecord> {
  return { id: name.toLowerCase().replace(/\W+/g, '-'), name, url, source: 'manual' }
}

/** config.json with loopback-only listeners on free ports and no mDNS, plus `extra`. */
export function writeConfig(
  dataDir: string,
  opts: {
    sharing?: boolean
    backends?: Partial<BackendRecord>[]
    port?: number
    extra?: object
  } = {},
): void {
  const config = {
    server: {
      host: '127.0.0.1',
      port: opts.port ?? 0,
      controlPort: 0,
      sharing: opts.sharing ?? true,
    },
    discovery: { mdns: false },
    backends: opts.backends ?? [],
    balancer: { healthIntervalMs: 60_000 },
    logging: { enabled: false },
    ...opts.extra,
  }
  fs.mkdirSync(dataDir, { recursive: true })
  fs.writeFileSync(path.join(dataDir, 'config.json'), JSON.stringify(config, null, 2))
}

/** A test's desktop options: `gateway` runs the gateway in-process with these options. */
export type TestOptions = Partial<DesktopOptions> & {
  gateway?: Partial<Omit<GatewayOptions, 'dataDir' | 'logger'>>
}

/**
 * Desktop options that keep everything local: the gateway in this process (the app still
 * reaches it only through the control API), no mDNS, no config watching, quiet.
 */
export function testDesktopOptions(dataDir: string, extra: TestOptions = {}): DesktopOptions {
  const { gateway, ...rest } = extra
  const host =
    rest.host ??
    new InProcessGateway({
      dataDir,
      logger: silentLogger,
      uiDir: (rest.files ?? appFiles()).uiDir,
      discovery: () => createNoopDiscovery(),
      watchConfig: false,
      ...gateway,
    })
  return {
    dataDir,
    logger: silentLogger,
    platform: 'linux',
    env: { XDG_CONFIG_HOME: path.join(dataDir, 'xdg') },
    showWindow: false,
    // No session-bus query from tests: the tray host is taken as present.
    trayHost: () => Promise.resolve('present'),
    ...rest,
    host,
  }
}

/**
 * The desktop app with the test's own handle on its gateway: the app reaches the gateway
 * only through the control API, the test may reach into it (health checks, keys, ports).
 */
export type TestDesktop = Desktop & { readonly running: RunningCorral | null }

/** The in-process gateway a desktop started with `gateway` options runs (tests). */
export function runningOf(desktop: Desktop): RunningCorral | null {
  return desktop.host instanceof InProcessGateway ? desktop.host.running : null
}

/** Starts the desktop app on the fake, its gateway in-process; it is quit after the test. */
export async function launch(dataDir: string, extra: TestOptions = {}): Promise<TestDesktop> {
  const desktop = await startDesktop(testDesktopOptions(dataDir, extra))
  onCleanup(async () => {
    await desktop.quit()
  })
  return Object.defineProperty(desktop, 'running', { get: () => runningOf(desktop) }) as TestDesktop
}

export function theTray(): Tray {
  const tray = Tray.all[0]
  if (!tray) throw new Error('no tray')
  return tray
}

export function trayMenu(): Menu {
  const menu = theTray().getMenu()
  if (!menu) throw new Error('the tray has no menu')
  return menu
}

export function menuItem(id: string): MenuItem {
  const item = trayMenu().getMenuItemById(id)
  if (!item) throw new Error(`no menu item ${id}: ${labels().join(' | ')}`)
  return item
}

/** The labels of the visible items, separators as '---'. */
export function labels(menu: Menu = trayMenu()): string[] {
  return menu.items.filter((i) => i.visible).map((i) => (i.type === 'separator' ? '---' : i.label))
}

/** The basename of the tray's current icon file. */
export function trayIconName(): string {
  const img = theTray().getImage()
  const p = typeof img === 'string' ? img : img.path
  return p ? path.relative(path.join(process.cwd(), 'build', 'icons'), p) : ''
}

export async function createTestKey(desktop: TestDesktop, name = 'alice'): Promise<string> {
  const corral = desktop.running!.corral
  const { key } = await createKey((m) => corral.update(m), { name })
  return key
}

/** Resolves with 'connected' or the connect error's code (ECONNREFUSED...). */
export function tryConnect(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host })
    socket.once('connect', () => {
      socket.destroy()
      resolve('connected')
    })
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
  })
}

/** A port that was free a moment ago (listen on 0, close). */
export async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** Holds a port on 127.0.0.1 until the test ends. */
export async function occupyPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return (server.address() as net.AddressInfo).port
}
