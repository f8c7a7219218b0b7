// Shared pieces of the end-to-end suites: the built UI, Debian's Chromium, screenshots.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { Config } from '../../gateway/config/schema.js'
import { startCorral, type RunningCorral } from '../../gateway/server.js'
import { silentLogger } from '../../gateway/util/logger.js'
import { startFakeOllama, type FakeOllama } from '../support/fake-ollama.js'
import { tempDataDir, writeConfig } from '../support/gateway.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const UI_DIR = path.join(ROOT, 'dist/renderer')
export const SCREENSHOT_DIR = path.join(ROOT, 'test-results/screenshots')
export const CHROMIUM = '/usr/bin/chromium'

/** Headless, no sandbox (containers), and nothing that phones home. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs)
  }
  return newest
}

/** Builds dist/renderer when it is missing or older than renderer/ (index.html and connect.html). */
export function ensureUiBuilt(): void {
  const built = [path.join(UI_DIR, 'index.html'), path.join(UI_DIR, 'connect.html')]
  const sources = newestMtime(path.join(ROOT, 'renderer'))
  const fresh = built.every((f) => fs.existsSync(f) && fs.statSync(f).mtimeMs >= sources)
  if (fresh) return
  execFileSync(process.execPath, ['scripts/build.mjs', 'renderer'], { cwd: ROOT, stdio: 'inherit' })
}

/**
 * A context that may only reach 127.0.0.1: anything else is aborted and remembered,
 * so a test can assert that the browser never left this machine.
 */
export async function loopbackContext(
  browser: Browser,
  opts: Parameters<Browser['newContext']>[0] = {},
): Promise<{ context: BrowserContext; blocked: string[] }> {
  const context = await browser.newContext({ viewport: { width: 900, height: 640 }, ...opts })
  const blocked: string[] = []
  await context.route('**/*', (route) => {
    const url = route.request().url()
    const host = url.startsWith('data:') ? '127.0.0.1' : new URL(url).hostname
    if (host === '127.0.0.1') return route.continue()
    blocked.push(url)
    return route.abort()
  })
  return { context, blocked }
}

/**
 * Saves test-results/screenshots/<name>.png: the control window's content scrolled to the
 * top, or to the element `scrollTo` names.
 */
export async function screenshot(
  page: Page,
  name: string,
  opts: { fullPage?: boolean; scrollTo?: string } = {},
): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true })
  if (opts.scrollTo) await page.locator(opts.scrollTo).first().scrollIntoViewIfNeeded()
  else await page.evaluate(`document.getElementById('main')?.scrollTo(0, 0)`)
  const fullPage = opts.fullPage ?? false
  const file = path.join(SCREENSHOT_DIR, `${name}.png`)
  await page.screenshot({ path: file, fullPage })
  return file
}

/** The RGBA pixels of an <img> on the page, drawn at its natural size (for jsQR). */
export async function imagePixels(page: Page, selector: string) {
  // A string, not a function: this file is type-checked without the DOM library.
  const { width, height, base64 } = await page.evaluate<{
    width: number
    height: number
    base64: string
  }>(`
    (async () => {
      const img = document.querySelector(${JSON.stringify(selector)})
      await img.decode()
      const canvas = document.createElement('canvas')
      canvas.width = img.naturalWidth
      canvas.height = img.naturalHeight
      const ctx = canvas.getContext('2d')
      ctx.drawImage(img, 0, 0)
      const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data
      let binary = ''
      for (let i = 0; i < data.length; i += 0x8000) {
        binary += String.fromCharCode(...data.subarray(i, i + 0x8000))
      }
      return { width: canvas.width, height: canvas.height, base64: btoa(binary) }
    })()
  `)
  return { width, height, data: new Uint8ClampedArray(Buffer.from(base64, 'base64')) }
}

export interface UiCorral {
  fake: FakeOllama
  corral: RunningCorral
  dataDir: string
  gatewayUrl: string
  close(): Promise<void>
}

/** A real Corral serving the built UI (both listeners on 127.0.0.1) before one stand-in Ollama. */
export async function startUiCorral(edit: (c: Config) => void = () => {}): Promise<UiCorral> {
  ensureUiBuilt()
  const fake = await startFakeOllama({ frameIntervalMs: 5 })
  const dataDir = tempDataDir()
  writeConfig(dataDir, (c) => {
    c.backends = [
      {
        id: 'local',
        name: 'This computer',
        url: fake.url,
        key: null,
        weight: 1,
        enabled: true,
        capacity: 4,
        source: 'local',
      },
    ]
    c.discovery.mdns = false
    edit(c)
  })
  const corral = await startCorral({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    controlPort: 0,
    uiDir: UI_DIR,
    sharing: true,
    logger: silentLogger,
  })
  return {
    fake,
    corral,
    dataDir,
    // http://127.0.0.1:PORT, or https:// when the edit turned TLS on.
    gatewayUrl: corral.sharing.urls()[0]!,
    close: async () => {
      await corral.close()
      await fake.close()
      fs.rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
