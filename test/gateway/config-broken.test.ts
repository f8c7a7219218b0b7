// A hand edit that breaks config.json while Corral runs: the running settings stay, the problem
// is shown (status, `corral status`) with the line of the syntax error, the text is kept in
// config.json.broken, and the next change from the UI or CLI is refused (409) instead of
// silently overwriting the owner's edit. Fixing the file or discarding the edit ends it.
/** Pins: the next change through the UI rewrote a config.json that did not parse, losing the hand edit. */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { request } from 'undici'
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js'
import { runCli } from '../support/cli.js'

let gw: TestGateway
const file = () => path.join(gw.dataDir, 'config.json')

beforeAll(async () => {
  gw = await startTestGateway({ start: { watchConfig: true } })
})
afterAll(() => gw.close())

interface Problem {
  message: string
  line: number | null
  copy: string | null
}
const problem = async () =>
  (await gw.control<{ configProblem: Problem | null }>('GET', '/control/status')).body.configProblem

async function tags(): Promise<number> {
  const res = await request(`${gw.url}/api/tags`, { headers: { authorization: gw.key } })
  await res.body.dump()
  return res.statusCode
}

test('a syntax error is shown with its line, kept as config.json.broken, and blocks changes until discarded', async () => {
  const good = fs.readFileSync(file(), 'utf8')
  const lines = good.split('\n')
  lines.splice(2, 0, '  "oops": ,') // line 3
  const broken = lines.join('\n')
  fs.writeFileSync(file(), broken)

  const p = await eventually(async () => {
    const got = await problem()
    expect(got).not.toBeNull()
    return got!
  })
  expect(p.line).toBe(3)
  expect(p.copy).toBe(`${file()}.broken`)
  expect(fs.readFileSync(`${file()}.broken`, 'utf8')).toBe(broken)
  expect(await tags()).toBe(200) // the running settings still serve

  const refused = await gw.control<{ error: string }>('POST', '/control/keys', { name: 'later' })
  expect(refused.status).toBe(409)
  expect(refused.body.error).toMatch(/config\.json has a syntax error at line 3/)
  expect(refused.body.error).toMatch(/fix the file.*or discard/)
  expect(fs.readFileSync(file(), 'utf8')).toBe(broken)
  expect(gw.running.corral.config.keys.some((k) => k.name === 'later')).toBe(false)

  const status = await runCli(['status', '--data-dir', gw.dataDir])
  expect(status.stdout).toMatch(/ERROR: config\.json has a syntax error at line 3/)

  const discarded = await gw.control<{ discarded: boolean }>('POST', '/control/config/discard')
  expect(discarded.body.discarded).toBe(true)
  expect(await problem()).toBeNull()
  expect(() => JSON.parse(fs.readFileSync(file(), 'utf8')) as unknown).not.toThrow()
  expect(fs.readFileSync(`${file()}.broken`, 'utf8')).toBe(broken)
  const after = await gw.control('POST', '/control/keys', { name: 'later' })
  expect(after.status).toBe(201)
})

test('fixing the file by hand ends the problem, and the fix is what runs', async () => {
  const good = JSON.parse(fs.readFileSync(file(), 'utf8')) as { limits: unknown }
  fs.writeFileSync(file(), '{ "version": 1, ')
  await eventually(async () => expect((await problem())?.line).toBe(1))
  ;(good as { server?: { bodyLimitBytes?: number } }).server ??= {}
  fs.writeFileSync(file(), JSON.stringify({ ...good }, null, 2))
  await eventually(async () => expect(await problem()).toBeNull())
  const ok = await gw.control('POST', '/control/keys', { name: 'after-fix' })
  expect(ok.status).toBe(201)
})
