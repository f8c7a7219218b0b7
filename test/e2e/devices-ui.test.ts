// Device keys in the Keys view, in Debian's Chromium against a real Corral: an `ollama` CLI
// that asks on first use shows as "… asks to use your GPU"; Allow as a new key lets it in;
// another is denied and then forgotten; a pasted .pub line is added. Screenshots at 1280x800
// and 390x844.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type Browser, type Page } from 'playwright-core'
import { createKey } from '../../gateway/auth/manage.js'
import { eventually } from '../support/gateway.js'
import { makeDeviceKey, OllamaGoClient, writeOllamaKeyFiles } from '../support/ollama-cli.js'
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  loopbackContext,
  screenshot,
  startUiCorral,
  type UiCorral,
} from './support.js'

const hasChromium = fs.existsSync(CHROMIUM)
const homes: string[] = []
function device() {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'corral-ui-dev-'))
  homes.push(home)
  return { home, key: writeOllamaKeyFiles(home) }
}

describe.skipIf(!hasChromium)('device keys in the Keys view', () => {
  let ui: UiCorral
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    ui = await startUiCorral()
    await createKey((m) => ui.corral.corral.update(m), { name: 'alice' })
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    const { context } = await loopbackContext(browser, { viewport: { width: 1280, height: 800 } })
    page = await context.newPage()
    page.setDefaultTimeout(10_000)
    await page.goto(ui.corral.uiUrl)
    await page.click('nav >> text=Keys')
    await page.waitForSelector('h1:text-is("Keys")')
  }, 240_000)

  afterAll(async () => {
    await browser?.close()
    await ui?.close()
    for (const h of homes) fs.rmSync(h, { recursive: true, force: true })
  })

  it('asks the owner about a new device, and Allow as a new key lets it in', async () => {
    const d = device()
    const cli = new OllamaGoClient({ host: ui.gatewayUrl, auth: true, home: d.home })
    await expect(cli.list()).rejects.toHaveProperty('statusCode', 401)
    const ask = page.getByRole('alert', { name: 'A device asks' })
    await ask.waitFor()
    expect(await ask.textContent()).toContain(
      'ollama 0.13.1 (amd64 linux) on 127.0.0.1 asks to use your GPU',
    )
    // The page the CLI's signin_url opens, on the teammate's side (a phone-sized window too).
    const err = await cli.show('llama3.2').catch((e: { signinUrl: string }) => e)
    const waitPage = await page.context().newPage()
    await waitPage.setViewportSize({ width: 390, height: 844 })
    await waitPage.goto((err as { signinUrl: string }).signinUrl)
    expect(await waitPage.textContent('[role=status]')).toContain('waiting for the owner')
    await screenshot(waitPage, 'devices-connect-page-390', { fullPage: true })
    await waitPage.close()
    await screenshot(page, 'devices-ask-1280')
    await page.setViewportSize({ width: 390, height: 844 })
    await screenshot(page, 'devices-ask-390')
    await page.setViewportSize({ width: 1280, height: 800 })
    await ask.getByRole('button', { name: 'Allow as a new key' }).click()
    await page.getByLabel('Key name').fill('bob-laptop')
    await page.getByRole('button', { name: 'Allow', exact: true }).click()
    await page.locator('.devices-card td:text-is("bob-laptop")').first().waitFor()
    await eventually(async () => expect((await cli.list())!.models.length).toBeGreaterThan(0))
    await screenshot(page, 'devices-allowed-1280', { scrollTo: '.devices-card' })
    await cli.close()
  })

  it('denies a device, lists it as refused, and forgets it', async () => {
    const d = device()
    const cli = new OllamaGoClient({ host: ui.gatewayUrl, auth: true, home: d.home })
    await expect(cli.list()).rejects.toHaveProperty('statusCode', 401)
    const ask = page.getByRole('alert', { name: 'A device asks' })
    await ask.getByRole('button', { name: 'Deny' }).click()
    await page.locator('.devices-refused li').first().waitFor()
    await expect(cli.list()).rejects.toHaveProperty('statusCode', 403)
    await page.locator('.devices-refused').getByRole('button', { name: 'Forget' }).click()
    await page.locator('.devices-refused').waitFor({ state: 'detached' })
    await cli.close()
  })

  it('adds a device from its pasted public key', async () => {
    const key = makeDeviceKey()
    await page.getByRole('button', { name: 'Add a device' }).click()
    await page.getByLabel('Public key').fill(`${key.publicLine} carol@desk`)
    await page.getByRole('button', { name: 'Add', exact: true }).click()
    await page.locator('.devices-card td:text-is("carol@desk")').waitFor()
    await screenshot(page, 'devices-list-1280', { scrollTo: '.devices-card' })
    await page.setViewportSize({ width: 390, height: 844 })
    await screenshot(page, 'devices-list-390', { scrollTo: '.devices-card' })
  })
})
