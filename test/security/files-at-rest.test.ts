// Issue 25, files at rest: on every start the data dir is 0700 and corral.db (with -wal and
// -shm), the access log, the TLS certificate and key, config.json and control.json are 0600,
// also when the folder and the files already existed with wider modes.
import fs from 'node:fs'
import path from 'node:path'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js'

const posix = process.platform !== 'win32'
const mode = (p: string) => fs.statSync(p).mode & 0o777

const PRIVATE_FILES = [
  'config.json',
  'corral.db',
  'corral.db-wal',
  'corral.db-shm',
  'control.json',
  'logs/access.log',
  'tls/cert.pem',
  'tls/key.pem',
]
const PRIVATE_DIRS = ['.', 'logs', 'tls']

let gw: TestGateway
let oldUmask = 0

beforeAll(async () => {
  // A umask that lets others read: what Corral creates must still be private.
  oldUmask = process.umask(0o022)
  gw = await startTestGateway({
    config: (c) => {
      c.balancer.healthIntervalMs = 600_000
      c.server.tls.mode = 'self-signed'
    },
    beforeStart: (dir) => fs.chmodSync(dir, 0o755),
  })
})
afterAll(async () => {
  await gw.close()
  process.umask(oldUmask)
})

async function oneLoggedRequest(): Promise<void> {
  const res = await request(`${gw.url.replace('http:', 'https:')}/api/tags`, {
    headers: { authorization: `Bearer ${gw.key}` },
    dispatcher: new (await import('undici')).Agent({ connect: { rejectUnauthorized: false } }),
  })
  await res.body.dump()
  await eventually(() => expect(fs.existsSync(path.join(gw.dataDir, 'logs/access.log'))).toBe(true))
}

function expectPrivate(): void {
  for (const d of PRIVATE_DIRS) expect([d, mode(path.join(gw.dataDir, d))]).toEqual([d, 0o700])
  for (const f of PRIVATE_FILES) expect([f, mode(path.join(gw.dataDir, f))]).toEqual([f, 0o600])
}

describe.runIf(posix)('files at rest', () => {
  test('a first start makes the data dir 0700 and every file in it 0600', async () => {
    await oneLoggedRequest()
    expectPrivate()
  })

  test('a start puts back private modes on a folder and files that were wider', async () => {
    await oneLoggedRequest()
    await gw.running.close()
    for (const d of PRIVATE_DIRS) fs.chmodSync(path.join(gw.dataDir, d), 0o755)
    for (const f of PRIVATE_FILES) {
      const file = path.join(gw.dataDir, f)
      if (!fs.existsSync(file)) fs.writeFileSync(file, '') // -wal/-shm go when SQLite closes
      fs.chmodSync(file, 0o644)
    }
    // The stale -wal/-shm of an unclean stop: empty files SQLite takes over.
    await gw.restart()
    await oneLoggedRequest()
    expectPrivate()
  })
})
