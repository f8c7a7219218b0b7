// HTTPS end to end in Debian's Chromium: the connect page served over TLS with Corral's own
// certificate (trusted for this test by Chromium's SPKI flag), the fingerprint from the QR
// code checked against the certificate and shown as verified, and a link with another
// fingerprint refused before the key is sent. Screenshots go to /tmp/corral-e2e-tls/.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import jsqr from 'jsqr'
import type { RunningCorral } from '../../gateway/server.js'
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  imagePixels,
  loopbackContext,
  startUiCorral,
  type UiCorral,
} from './support.js'
import { peerFingerprint } from '../tls/support.js'

const SHOTS = '/tmp/corral-e2e-tls'
const hasChromium = fs.existsSync(CHROMIUM)

async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true })
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true })
}

describe.skipIf(!hasChromium)('the connect page over HTTPS in Chromium', () => {
  let ui: UiCorral
  let corral: RunningCorral
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let gatewayUrl = ''
  let connectUrl = ''
  let fingerprint = ''

  beforeAll(async () => {
    ui = await startUiCorral((c) => void (c.server.tls.mode = 'self-signed'))
    ;({ corral, gatewayUrl } = ui)
    const tls = corral.sharing.tls()
    fingerprint = tls.fingerprint!
    // Chromium trusts this one certificate's key for the test, the way a device that
    // installed the certificate trusts it; every other certificate stays untrusted.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [...CHROMIUM_ARGS, `--ignore-certificate-errors-spki-list=${tls.certificate!.spki}`],
    })
    ;({ context } = await loopbackContext(browser))
    page = await context.newPage()
  }, 240_000)

  afterAll(async () => {
    await browser?.close()
    await ui?.close()
  })

  it('the QR code of a new key reads back as the https connect URL with the fingerprint', async () => {
    expect(gatewayUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    await page.goto(corral.uiUrl)
    await page.waitForSelector('h1:text-is("Share")')
    await page.waitForSelector('[data-testid=share-fingerprint]')
    await shot(page, 'share-https')
    await page.click('nav >> text=Keys')
    await page.click('button:text-is("New key")')
    await page.fill('role=dialog >> role=textbox[name="Name"]', 'tls phone')
    await page.click('role=dialog >> role=button[name="Create key"]')
    await page.waitForSelector('role=dialog[name="Key “tls phone” is ready"]')
    const key = (await page.textContent('[data-testid=new-key]'))!.trim()
    connectUrl = `${gatewayUrl}/connect#key=${encodeURIComponent(key)}&fp=${fingerprint}`
    const { width, height, data } = await imagePixels(page, '.qr img')
    expect(jsqr.default(data, width, height)?.data).toBe(connectUrl)
    // The fingerprint the QR code carries is the one a real TLS handshake presents.
    expect(await peerFingerprint(Number(new URL(gatewayUrl).port))).toBe(fingerprint)
    await shot(page, 'key-created-https')
    await page.click('role=dialog >> role=button[name="Done"]')
  })

  it('opened from that URL, the page shows the certificate verified, then connects', async () => {
    const phone = await context.newPage()
    await phone.setViewportSize({ width: 390, height: 844 })
    const sent: string[] = []
    phone.on('request', (r) => sent.push(r.url()))
    await phone.goto(connectUrl)
    await phone.waitForSelector('[data-testid=cert-verified]')
    await phone.waitForSelector('text=Connected')
    expect(await phone.textContent('[data-testid=cert-verified]')).toContain(
      'The QR code’s fingerprint matches',
    )
    const shown = (await phone.textContent('[data-testid=cert-fingerprint]'))!.replace(/:/g, '')
    expect(shown.toLowerCase()).toBe(fingerprint)
    expect(sent).toContain(`${gatewayUrl}/connect/cert.pem`)
    // Instructions for each kind of client, and curl told to trust the file.
    for (const id of [
      'download',
      'trust-curl',
      'trust-python',
      'trust-node',
      'trust-open-webui',
      'trust-iphone',
      'trust-android',
    ]) {
      expect(await phone.locator(`[data-testid=trust-${id}]`).count()).toBe(1)
    }
    expect(await phone.textContent('[data-testid=snippet-curl] pre >> nth=0')).toContain(
      `curl --cacert corral.pem ${gatewayUrl}/v1/chat/completions`,
    )
    await phone.click('[data-testid=trust-trust-python] summary')
    await shot(phone, 'connect-https-verified')
    await phone.close()
  })

  it('the certificate it offers is served without the key', async () => {
    const tab = await context.newPage()
    await tab.goto(`${gatewayUrl}/connect`)
    // A string, not a function: this file is type-checked without the DOM library.
    const text = await tab.evaluate<string>(`fetch('/connect/cert.pem').then((r) => r.text())`)
    expect(text).toContain('BEGIN CERTIFICATE')
    expect(text).not.toContain('PRIVATE')
    await tab.close()
  })

  it('a link with another fingerprint: "Wrong certificate", and the key is never sent', async () => {
    const phone = await context.newPage()
    await phone.setViewportSize({ width: 390, height: 844 })
    const sent: string[] = []
    phone.on('request', (r) => sent.push(r.url()))
    await phone.goto(connectUrl.replace(/fp=[0-9a-f]+/, `fp=${'0'.repeat(64)}`))
    await phone.waitForSelector('[data-testid=cert-mismatch]')
    expect(await phone.textContent('[data-testid=cert-mismatch]')).toContain('Wrong certificate')
    await new Promise((r) => setTimeout(r, 300))
    expect(sent.filter((u) => u.includes('/v1/models'))).toEqual([])
    await shot(phone, 'connect-https-mismatch')
    await phone.close()
  })

  it('Settings shows HTTPS on with the fingerprint the QR code carries', async () => {
    await page.click('nav >> text=Settings')
    await page.waitForSelector('[data-testid=tls-fingerprint]')
    const shown = (await page.textContent('[data-testid=tls-fingerprint]'))!.replace(/:/g, '')
    expect(shown.toLowerCase()).toBe(fingerprint)
    await page.locator('[data-testid=tls-certificate]').scrollIntoViewIfNeeded()
    await shot(page, 'settings-https')
  })
})
