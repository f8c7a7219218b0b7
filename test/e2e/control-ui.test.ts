// The control window and the connect page in Debian's Chromium, against a real
// Corral (both listeners on 127.0.0.1, port 0) in front of a real
// Ollama-speaking server. Each step saves a screenshot of its view.
import fs from 'node:fs'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import jsqr from 'jsqr'
import type { RunningCorral } from '../../gateway/server.js'
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

const run = promisify(execFile)
const hasChromium = fs.existsSync(CHROMIUM)
if (!hasChromium)
  console.warn(
    `Skipping the UI end-to-end tests: ${CHROMIUM} is not installed (apt install chromium).`,
  )

interface SeenRequest {
  url: string
  headers: Record<string, string>
}

describe.skipIf(!hasChromium)('the control UI in Chromium', () => {
  let ui: UiCorral
  let corral: RunningCorral
  let browser: Browser
  let context: BrowserContext
  let blocked: string[]
  let page: Page
  const seen: SeenRequest[] = []
  let gatewayUrl = ''
  // Shared between the steps below, which run in order.
  let key = ''
  let curl = ''

  beforeAll(async () => {
    ui = await startUiCorral()
    ;({ corral } = ui)
    gatewayUrl = `http://127.0.0.1:${corral.gatewayPort()}`
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
    ;({ context, blocked } = await loopbackContext(browser))
    page = await context.newPage()
    page.on('request', (req) => {
      void req.allHeaders().then((headers) => seen.push({ url: req.url(), headers }))
    })
  }, 240_000)

  afterAll(async () => {
    await browser?.close()
    await ui?.close()
  })

  const view = async (id: string, heading: string) => {
    await page.click(`nav >> text=${heading}`)
    await page.waitForSelector(`h1:text-is("${heading}")`)
    expect(page.url()).toBe(`${corral.controlUrl}/#${id}`)
  }

  it('opens with the token from the printed URL and takes it out of the address bar', async () => {
    await page.goto(corral.uiUrl)
    await page.waitForSelector('h1:text-is("Share")')
    expect(page.url()).not.toContain(corral.token)
    expect(await page.evaluate(`sessionStorage.getItem('corral.controlToken')`)).toBe(corral.token)
    await page.waitForSelector('.health-row >> text=Healthy')
    await page.waitForSelector(`code.url:text-is("${gatewayUrl}")`)
    await screenshot(page, 'share')
  })

  it('creates a key whose QR code reads back as the connect URL', async () => {
    await view('keys', 'Keys')
    await page.click('button:text-is("New key")')
    await page.fill('role=dialog >> role=textbox[name="Name"]', 'e2e phone')
    await page.click('role=dialog >> role=button[name="Create key"]')
    await page.waitForSelector('role=dialog[name="Key “e2e phone” is ready"]')
    key = (await page.textContent('[data-testid=new-key]'))!.trim()
    expect(key).toMatch(/^crl_[A-Za-z0-9_-]{43}$/)
    const expected = `${gatewayUrl}/connect#key=${encodeURIComponent(key)}`
    expect(await page.textContent('[data-testid=connect-url]')).toBe(expected)

    const { width, height, data } = await imagePixels(page, '.qr img')
    const decoded = jsqr.default(data, width, height)
    expect(decoded?.data).toBe(expected)
    await screenshot(page, 'key-created')

    await page.click('role=dialog >> role=button[name="Done"]')
    await page.waitForSelector('td >> text=e2e phone')
    expect(await page.locator('body').textContent()).not.toContain(key)
    await screenshot(page, 'keys')
  })

  it('opens the connect page from that URL and the curl it shows works', async () => {
    const phone = await context.newPage()
    await phone.setViewportSize({ width: 390, height: 844 })
    await phone.goto(`${gatewayUrl}/connect#key=${encodeURIComponent(key)}`)
    await phone.waitForSelector('text=Connected')
    expect(await phone.textContent('[data-testid=key]')).toBe(key)
    expect(await phone.textContent('[data-testid=openai-url]')).toBe(`${gatewayUrl}/v1`)
    curl = (await phone.textContent('[data-testid=snippet-curl] pre >> nth=0'))!
    expect(curl).toContain(`curl ${gatewayUrl}/v1/chat/completions`)
    await screenshot(phone, 'connect', { fullPage: true })
    await phone.emulateMedia({ colorScheme: 'dark' })
    await screenshot(phone, 'connect-dark', { fullPage: true })

    const { stdout } = await run(
      '/bin/sh',
      ['-c', `${curl} --silent --show-error --write-out '\\n%{http_code}'`],
      {
        timeout: 15_000,
      },
    )
    const [body, status] = splitStatus(stdout)
    expect(status).toBe(200)
    const answer = JSON.parse(body) as { choices: Array<{ message: { content: string } }> }
    expect(answer.choices[0]?.message.content).toContain('fake-tok0')
    await phone.close()
  })

  it('shows a request in Activity within 2 seconds, without moving anything', async () => {
    await view('activity', 'Activity')
    await page.waitForSelector('.live-dot.live-open')
    const boxes = () =>
      page.$$eval('.tiles, .tile, .spark, .recent-wrap', (els) =>
        els.map((e) => {
          const r = e.getBoundingClientRect()
          return [Math.round(r.x), Math.round(r.y), Math.round(r.width), Math.round(r.height)]
        }),
      )
    const before = await boxes()
    const started = Date.now()
    const res = await fetch(`${gatewayUrl}/api/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'qwen2.5:0.5b', prompt: 'Count to three' }),
    })
    expect(res.status).toBe(200)
    await res.text()
    await page.waitForSelector('[data-testid=recent-requests] td:text-is("/api/generate")', {
      timeout: 2000,
    })
    expect(Date.now() - started).toBeLessThan(2000)
    await page.waitForTimeout(1200) // a few live ticks
    expect(await boxes()).toEqual(before)
    await screenshot(page, 'activity')
  })

  it('revokes the key, and the next request with it fails', async () => {
    await view('keys', 'Keys')
    await page.click('role=button[name="Actions for e2e phone"]')
    await page.click('role=menuitem[name="Revoke…"]')
    await page.click('role=dialog >> role=button[name="Revoke key"]')
    await page.waitForSelector('text=No active keys')
    const { stdout } = await run(
      '/bin/sh',
      ['-c', `${curl} --silent --write-out '\\n%{http_code}'`],
      { timeout: 15_000 },
    )
    const [body, status] = splitStatus(stdout)
    expect(status).toBe(401)
    expect(JSON.parse(body)).toMatchObject({ error: { code: 'corral_err_bad_key' } })
  })

  it('adds an entry to the allow list', async () => {
    await view('access', 'Access')
    await page.fill('role=textbox[name="Add to allowed"]', '203.0.113.0/24')
    await page.click(
      'form:has(input[placeholder="192.168.1.0/24"]) >> nth=0 >> role=button[name="Add"]',
    )
    await page.waitForSelector('role=list[name="Allowed addresses"] >> text=203.0.113.0/24')
    await eventually(() => expect(corral.corral.config.access.allow).toContain('203.0.113.0/24'))
    await screenshot(page, 'access')
  })

  it('shows backend health and pulls a model with a progress bar', async () => {
    await view('backends', 'Backends')
    await page.waitForSelector('role=listitem[name="This computer"] >> text=Healthy')
    await page.fill('role=textbox[name="Model"]', 'qwen2.5:0.5b')
    await page.click('role=button[name="Pull"]')
    await page.waitForSelector('role=progressbar[name="Pulling qwen2.5:0.5b"]')
    await page.waitForSelector('.pull-status:text-is("Done")', { timeout: 10_000 })
    await screenshot(page, 'backends')
    await screenshot(page, 'backends-pull', { scrollTo: 'role=list[name="Model pulls"]' })
  })

  it('saves a setting', async () => {
    await view('settings', 'Settings')
    await page.fill('role=spinbutton[name="Keep each request for (days)"]', '14')
    await page.click('role=button[name="Save changes"]')
    await page.waitForSelector('text=Saved.')
    expect(corral.corral.store.current.stats.retentionDays).toBe(14)
    await screenshot(page, 'settings')
  })

  it('is readable in dark mode too', async () => {
    await page.emulateMedia({ colorScheme: 'dark' })
    for (const [id, heading] of [
      ['share', 'Share'],
      ['activity', 'Activity'],
    ] as const) {
      await view(id, heading)
      await page.waitForTimeout(300)
      await screenshot(page, `${id}-dark`)
    }
    await page.emulateMedia({ colorScheme: 'light' })
  })

  it('never put the control token in a URL, and sent it only as a Bearer header', () => {
    const control = seen.filter((r) => r.url.startsWith(`${corral.controlUrl}/control/`))
    expect(control.length).toBeGreaterThan(10)
    for (const r of seen) expect(r.url).not.toContain(corral.token)
    for (const r of control) {
      expect(r.headers.authorization).toBe(`Bearer ${corral.token}`)
      expect(r.headers.cookie).toBeUndefined()
    }
    // The page's own files carry no token either (the fragment was never sent).
    expect(seen.some((r) => r.url === `${corral.controlUrl}/`)).toBe(true)
    expect(blocked).toEqual([])
  })
})

/** curl's `--write-out '\n%{http_code}'`: the body, then the status on the last line. */
function splitStatus(stdout: string): [string, number] {
  const i = stdout.lastIndexOf('\n')
  return [stdout.slice(0, i), Number(stdout.slice(i + 1))]
}
