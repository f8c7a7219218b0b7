// The key dialog and the Keys table's row menu in Debian's Chromium at a desktop (1280×800)
// and a phone (390×844) size, against a real Corral: a key made with a model ticked from the
// backend's list, edited (limits and expiry) through the row menu, kicked while idle (the
// toast says so); nothing spills out of the window. Screenshots in test-results/screenshots.
import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type Browser, type Page } from 'playwright-core'
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  loopbackContext,
  screenshot,
  startUiCorral,
  type UiCorral,
} from './support.js'

const hasChromium = fs.existsSync(CHROMIUM)
const SIZES = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const

describe.skipIf(!hasChromium)('the key dialog and the row menu in Chromium', () => {
  let ui: UiCorral
  let browser: Browser

  beforeAll(async () => {
    ui = await startUiCorral()
    await ui.corral.corral.health.checkNow()
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  }, 240_000)
  afterAll(async () => {
    await browser?.close()
    await ui?.close()
  })

  /** How far the window itself scrolls down (only the main area should scroll). */
  const overflowY = (page: Page) =>
    page.evaluate<number>(
      `document.documentElement.scrollHeight - document.documentElement.clientHeight`,
    )
  /** Whether anything is wider than the window (a page that scrolls sideways). */
  const overflowX = (page: Page) =>
    page.evaluate<number>(
      `document.documentElement.scrollWidth - document.documentElement.clientWidth`,
    )

  for (const size of SIZES) {
    it(`at ${size.width}×${size.height}: create, edit through the menu, kick with a toast`, async () => {
      const { context } = await loopbackContext(browser, {
        viewport: { width: size.width, height: size.height },
      })
      const page = await context.newPage()
      page.setDefaultTimeout(8000)
      await page.goto(ui.corral.uiUrl)
      await page.waitForSelector('h1:text-is("Share")')
      await page.click('nav >> text=Keys')
      await page.waitForSelector('h1:text-is("Keys")')
      const name = `phone-${size.name}`

      await page.click('button:text-is("New key")')
      const dialog = 'role=dialog[name="New key"]'
      await page.fill(`${dialog} >> role=textbox[name="Name"]`, name)
      await page.check(`${dialog} >> role=checkbox[name="llama3.2:latest"]`)
      await screenshot(page, `keys-dialog-${size.name}`)
      await page.click(`${dialog} >> text=Permissions and limits`)
      await page.waitForSelector(`${dialog} >> text=May pull and delete models`)
      await screenshot(page, `keys-dialog-permissions-${size.name}`)
      expect(await overflowX(page)).toBeLessThanOrEqual(0)
      await page.click(`${dialog} >> role=button[name="Create key"]`)
      await page.waitForSelector(`role=dialog[name="Key “${name}” is ready"]`)
      const key = (await page.textContent('[data-testid=new-key]'))!.trim()
      await page.click('role=dialog >> role=button[name="Done"]')
      // Traffic for Activity: a chat, and one the stand-in breaks off mid-stream.
      const chat = () =>
        fetch(`${ui.gatewayUrl}/api/chat`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}` },
          body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] }),
        }).then((r) => r.text().catch(() => ''))
      await chat()
      ui.fake.fault(
        { kind: 'break-mid-stream', afterFrames: 2 },
        { times: 1, paths: ['/api/chat'] },
      )
      await chat()
      const stored = ui.corral.corral.config.keys.find((k) => k.name === name)!
      expect(stored.models).toEqual(['llama3.2:latest'])

      await page.click(`role=button[name="Actions for ${name}"]`)
      await page.waitForSelector(`role=menu[name="Actions for ${name}"]`)
      await screenshot(page, `keys-menu-${size.name}`)
      const box = (await page.locator('.menu').boundingBox())!
      expect(box.x).toBeGreaterThanOrEqual(0)
      expect(box.x + box.width).toBeLessThanOrEqual(size.width)
      expect(box.y + box.height).toBeLessThanOrEqual(size.height)
      await page.click('role=menuitem[name="Edit…"]')
      const edit = `role=dialog[name="Edit “${name}”"]`
      await page.click(`${edit} >> text=Permissions and limits`)
      await page.fill(`${edit} >> role=spinbutton[name="Requests"]`, '30')
      await page.selectOption(`${edit} >> role=combobox[name="Expires"]`, '7d')
      await screenshot(page, `keys-edit-${size.name}`)
      await page.click(`${edit} >> role=button[name="Save"]`)
      await page.waitForSelector(`.toast >> text=“${name}” is saved.`)
      const saved = ui.corral.corral.config.keys.find((k) => k.name === name)!
      expect(saved.limits.requests).toBe(30)
      expect(Date.parse(saved.expiresAt!) - Date.now()).toBeGreaterThan(6.9 * 86_400_000)

      await page.click(`role=button[name="Actions for ${name}"]`)
      await page.click('role=menuitem[name="Kick"]')
      await page.waitForSelector(`.toast >> text=nothing to kick`)
      await screenshot(page, `keys-kick-toast-${size.name}`)
      expect(await overflowX(page)).toBeLessThanOrEqual(0)

      await page.click('nav >> text=Activity')
      await page.waitForSelector('h1:text-is("Activity")')
      await page.waitForSelector('[data-testid=recent-requests] >> text=broken')
      expect(await overflowX(page)).toBeLessThanOrEqual(0)
      await screenshot(page, `activity-${size.name}`)
      await screenshot(page, `activity-recent-${size.name}`, {
        scrollTo: '[data-testid=recent-requests]',
      })
      expect(await overflowX(page)).toBeLessThanOrEqual(0)
      expect(await overflowY(page)).toBeLessThanOrEqual(0)
      await context.close()
    })
  }
})
