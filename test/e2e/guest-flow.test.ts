// "Add a guest" in Debian's Chromium, against a real Corral in front of a real
// Ollama-speaking server: the guest key's QR code reads back as the connect URL, the
// connect page works with it (its first request binds the key to this network), and the
// keys list then shows where it works from. Screenshots of each step.
import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import jsqr from 'jsqr'
import type { RunningCorral } from '../../gateway/server.js'
import type { FakeOllama } from '../support/fake-ollama.js'
import { eventually } from '../support/gateway.js'
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  imagePixels,
  loopbackContext,
  screenshot,
  startUiCorral,
  type UiCorral,
} from './support.js'

const hasChromium = fs.existsSync(CHROMIUM)

describe.skipIf(!hasChromium)('adding a guest in Chromium', () => {
  let ui: UiCorral
  let fake: FakeOllama
  let corral: RunningCorral
  let dataDir: string
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let gatewayUrl = ''
  let connectUrl = ''

  beforeAll(async () => {
    ui = await startUiCorral()
    ;({ fake, corral, dataDir, gatewayUrl } = ui)
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    ;({ context } = await loopbackContext(browser, { viewport: { width: 1000, height: 760 } }))
    page = await context.newPage()
  }, 240_000)

  afterAll(async () => {
    await browser?.close()
    await ui?.close()
  })

  it('makes a guest key whose QR code opens the connect page', async () => {
    await page.goto(corral.uiUrl)
    await page.waitForSelector('h1:text-is("Share")')
    await page.click('nav >> text=Keys')
    await page.waitForSelector('h1:text-is("Keys")')
    await page.click('button:text-is("Add a guest")')
    const dialog = 'role=dialog[name="Add a guest"]'
    await page.fill(`${dialog} >> role=textbox[name="Name"]`, 'Visitor')
    await page.selectOption(`${dialog} >> role=combobox[name="Expires"]`, '2h')
    await page.fill(`${dialog} >> role=textbox[name="Other names or patterns"]`, 'llama3.2')
    await fs.promises.mkdir('/tmp/corral-15b', { recursive: true })
    await page.screenshot({ path: '/tmp/corral-15b/guest-dialog.png' })
    await page.click(`${dialog} >> role=button[name="Create guest key"]`)

    await page.waitForSelector('role=dialog[name="Key “Visitor” is ready"]')
    await page.waitForSelector('text=only from the network of the first device that uses it')
    const key = (await page.textContent('[data-testid=new-key]'))!.trim()
    connectUrl = `${gatewayUrl}/connect#key=${encodeURIComponent(key)}`
    expect(await page.textContent('[data-testid=connect-url]')).toBe(connectUrl)
    const { width, height, data } = await imagePixels(page, '.qr img')
    expect(jsqr.default(data, width, height)?.data).toBe(connectUrl)
    await page.screenshot({ path: '/tmp/corral-15b/guest-created.png' })
    await screenshot(page, 'guest-created')

    const stored = JSON.parse(fs.readFileSync(`${dataDir}/config.json`, 'utf8')) as {
      keys: Array<{ name: string; guest: boolean; scopes: string[]; models: string[] }>
    }
    expect(stored.keys.find((k) => k.name === 'Visitor')).toMatchObject({
      guest: true,
      scopes: ['inference'],
      models: ['llama3.2'],
    })
  })

  it('the connect page works with the guest key; used from this machine, it stays unbound', async () => {
    const phone = await context.newPage()
    await phone.setViewportSize({ width: 390, height: 844 })
    await phone.goto(connectUrl)
    await phone.waitForSelector('text=Connected')
    await phone.screenshot({ path: '/tmp/corral-15b/guest-connect.png', fullPage: true })
    await phone.close()

    await page.click('role=dialog >> role=button[name="Done"]')
    await eventually(async () => {
      await page.reload()
      await page.waitForSelector('td >> text=Visitor')
      expect(await page.textContent('tr:has-text("Visitor")')).toMatch(/1 req/)
    }, 10_000)
    const row = await page.textContent('tr:has-text("Visitor")')
    expect(row).toContain('guest')
    expect(row).toContain('bound to the first device’s network')
    await page.screenshot({ path: '/tmp/corral-15b/guest-listed.png' })
    await screenshot(page, 'guest-listed')
  })

  it('edits a key’s model options in the key dialog, and they reach the backend', async () => {
    await page.click('role=button[name="Actions for Visitor"]')
    await page.click('role=menuitem[name="Edit…"]')
    const dialog = 'role=dialog[name="Edit “Visitor”"]'
    await page.click(`${dialog} >> text=Permissions and limits`)
    await page.click(`${dialog} >> role=button[name="Add option"]`)
    await page.fill(`${dialog} >> role=combobox[name="Option"]`, 'num_ctx')
    await page.fill(`${dialog} >> role=textbox[name="Value"]`, '8192')
    await page.selectOption(`${dialog} >> role=combobox[name="Longest keep-alive"]`, '30m')
    await page.screenshot({ path: '/tmp/corral-15b/key-options.png' })
    await page.click(`${dialog} >> role=button[name="Save"]`)
    await page.waitForSelector('text=num_ctx 8192 · keep-alive ≤ 30 min')

    const key = decodeURIComponent(connectUrl.split('#key=')[1]!)
    const res = await fetch(`${gatewayUrl}/api/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'llama3.2', prompt: 'hi', stream: false, keep_alive: -1 }),
    })
    expect(res.status).toBe(200)
    const seen = fake.requests.filter((r) => r.path === '/api/generate').at(-1)!
    expect(seen.body).toMatchObject({ options: { num_ctx: 8192 }, keep_alive: 1800 })
  })
})
