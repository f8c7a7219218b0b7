// Issue 25, "--workers N buffers whole bodies before any check": a cluster worker read up to
// the body limit (64 MiB) of every request it handed to the primary (unknown paths, /metrics,
// /connect, the Go gateway's admin routes) before the address or the key was checked. Now the
// worker checks first, answers unknown paths itself and hands on at most 64 KiB of body.
import fs from 'node:fs'
import net from 'node:net'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { Agent, request } from 'undici'
import { runCli, startServe } from '../support/cli.js'
import { tempDataDir } from '../support/gateway.js'
import { startFakeOllama, type FakeOllama } from '../support/fake-ollama.js'

let fake: FakeOllama
let serve: Awaited<ReturnType<typeof startServe>>
let dir: string
let url: string
let port: number

/** The pids of the serve process's children (its workers). */
function childrenOf(pid: number): number[] {
  const out: number[] = []
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (ppid === pid) out.push(Number(name))
    } catch {
      // gone meanwhile
    }
  }
  return out
}

/** Bytes the serve process and its workers have read (sockets included: /proc/PID/io rchar). */
function bytesRead(): number {
  let n = 0
  for (const pid of [serve.child.pid!, ...childrenOf(serve.child.pid!)]) {
    const io = fs.readFileSync(`/proc/${pid}/io`, 'utf8')
    n += Number(/^rchar: (\d+)$/m.exec(io)![1])
  }
  return n
}

/**
 * Sends a request head declaring a `declared`-byte body and only the first KiB of it, and
 * returns what the gateway answered (status line and body) within `waitMs`, or null.
 */
function headOnly(
  method: string,
  path: string,
  declared: number,
  waitMs = 3000,
): Promise<{ status: number; text: string; headers: string } | null> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    let got = ''
    const finish = () => {
      clearTimeout(timer)
      socket.destroy()
      const m = /^HTTP\/1\.1 (\d+)[^\r]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(got)
      resolve(m ? { status: Number(m[1]), headers: m[2]!, text: m[3]! } : null)
    }
    const timer = setTimeout(finish, waitMs)
    socket.on('data', (d) => {
      got += String(d)
      const m = /content-length: (\d+)/i.exec(got)
      const end = got.indexOf('\r\n\r\n')
      if (m && end !== -1 && got.length - end - 4 >= Number(m[1])) finish()
    })
    socket.on('error', () => {})
    socket.write(
      `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n`,
    )
    socket.write(Buffer.alloc(1024, 0x20))
  })
}

/** Sends a whole `size`-byte body (or as much as the gateway takes before it closes). */
function wholeBody(method: string, path: string, size: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.on('error', () => resolve())
    socket.on('close', () => resolve())
    socket.write(
      `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: ${size}\r\n\r\n`,
    )
    socket.end(Buffer.alloc(size, 0x20))
    socket.resume()
  })
}

async function fresh(path: string, init: { method?: 'GET' | 'POST'; key?: string; body?: string }) {
  const agent = new Agent({ pipelining: 0 })
  try {
    const res = await request(`${url}${path}`, {
      method: init.method ?? 'GET',
      headers: init.key === undefined ? {} : { authorization: `Bearer ${init.key}` },
      body: init.body,
      dispatcher: agent,
    })
    return { status: res.statusCode, text: await res.body.text() }
  } finally {
    await agent.close()
  }
}

beforeAll(async () => {
  fake = await startFakeOllama({})
  dir = tempDataDir()
  serve = await startServe([
    ...['--data-dir', dir, '--host', '127.0.0.1', '--port', '0', '--control-port', '0'],
    ...['--backend', fake.url, '--no-mdns', '--workers', '2'],
  ])
  url = serve.info.gateway[0]!
  port = Number(new URL(url).port)
})
afterAll(async () => {
  serve.child.kill('SIGTERM')
  await new Promise((resolve) => serve.child.once('exit', resolve))
  await fake.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

const MiB = 1024 * 1024

describe('corral serve --workers 2: what a worker hands to the primary', () => {
  test('a keyless 50 MB body to an admin route or an unknown path is refused before the body is sent', async () => {
    // A connection each, several times: the cluster hands them to both workers.
    for (let i = 0; i < 4; i++) {
      const admin = await headOnly('POST', '/config/reload', 50 * MiB)
      expect(admin?.status).toBe(401)
      expect(admin?.headers).toMatch(/connection: close/i)
      const unknown = await headOnly('POST', '/api/nothing', 50 * MiB)
      expect(unknown?.status).toBe(404)
      expect(JSON.parse(unknown!.text)).toEqual({ error: 'POST /api/nothing is not served' })
      const openai = await headOnly('POST', '/v1/nothing', 50 * MiB)
      expect(openai?.status).toBe(404)
      expect(JSON.parse(openai!.text)).toMatchObject({
        error: { message: 'POST /v1/nothing is not served', code: 'corral_err_not_found' },
      })
      // A body on a GET to the primary's routes is not read either.
      expect((await headOnly('GET', '/metrics', 50 * MiB))?.status).toBe(200)
    }
  })

  test('four 32 MiB keyless bodies are not read by the gateway processes (bytes read, /proc/PID/io)', async () => {
    const before = bytesRead()
    await Promise.all([
      wholeBody('POST', '/config/reload', 32 * MiB),
      wholeBody('POST', '/config/new-key', 32 * MiB),
      wholeBody('POST', '/api/nothing', 32 * MiB),
      wholeBody('PUT', '/connect', 32 * MiB),
    ])
    const read = bytesRead() - before
    // Heads, answers and the IPC between the processes; far below one of the bodies.
    expect(read).toBeLessThan(8 * MiB)
  })

  test('valid requests still reach the primary; a body past 64 KiB gets 413 with the bound', async () => {
    const made = await runCli([
      'keys',
      'create',
      '--json',
      '--name',
      'adm',
      '--scopes',
      'admin,metrics',
      '--data-dir',
      dir,
    ])
    expect(made.code, made.stderr).toBe(0)
    const { key } = JSON.parse(made.stdout) as { key: string }
    for (let i = 0; i < 4; i++) {
      const reload = await fresh('/config/reload', { method: 'POST', key, body: '{}' })
      expect(reload.status).toBe(200)
      expect(JSON.parse(reload.text)).toMatchObject({ status: 'reloaded' })
      expect((await fresh('/metrics', { key })).status).toBe(200)
      const big = await fresh('/config/reload', {
        method: 'POST',
        key,
        body: 'x'.repeat(100 * 1024),
      })
      expect(big.status).toBe(413)
      expect(JSON.parse(big.text)).toEqual({
        error: '/config/reload takes a request body of at most 64 KiB; send it without one',
      })
      const bad = await fresh('/config/reload', { method: 'POST', key: 'crl_not-a-key-at-all' })
      expect(bad.status).toBe(401)
    }
    const created = await fresh('/config/new-key', { method: 'POST', key })
    expect(created.status).toBe(200)
    expect(JSON.parse(created.text)).toMatchObject({ key: expect.stringMatching(/^crl_/) })
  })
})
