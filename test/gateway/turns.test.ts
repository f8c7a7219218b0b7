// Admission in turns (gateway/proxy/turns.ts): a burst begins a few requests a turn of the
// event loop, in the order they came, and the loop polls between turns, so a backend's
// answer that is waiting in its socket goes out before the rest of the burst is admitted.
import { afterEach, expect, test } from 'vitest'
import net from 'node:net'
import { once } from 'node:events'
import { TURN_BUDGET, TurnBudget } from '../../gateway/proxy/turns.js'
import { startTestGateway } from '../support/gateway.js'

const closers: Array<() => unknown> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

const unexpected = (err: unknown): never => {
  throw err
}

/** Resolves once every deferred request has gone on. */
function burst(turns: TurnBudget, n: number, onGo: (i: number) => void): Promise<boolean[]> {
  const now: boolean[] = []
  let left = n
  return new Promise((resolve) => {
    for (let i = 0; i < n; i++) {
      const go = (): void => {
        onGo(i)
        if (--left === 0) resolve(now)
      }
      const inTurn = turns.enter()
      now.push(inTurn)
      if (inTurn) go()
      else turns.defer(go)
    }
  })
}

test('a burst begins perTurn requests a turn, in the order they came', async () => {
  const turns = new TurnBudget(unexpected, 3)
  let turn = 0
  let ticking = true
  const tick = (): void => {
    turn++
    if (ticking) setImmediate(tick)
  }
  setImmediate(tick)
  const seen: Array<[number, number]> = []
  const now = await burst(turns, 10, (i) => seen.push([i, turn]))
  ticking = false
  expect(now).toEqual([true, true, true, ...Array(7).fill(false)])
  expect(seen.map(([i]) => i)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  // Three at once; the check phase right after them lets none go (no poll came between),
  // then three, three and one in the turns after it.
  const perTurn = new Map<number, number>()
  for (const [, t] of seen) perTurn.set(t, (perTurn.get(t) ?? 0) + 1)
  expect([...perTurn.entries()]).toEqual([
    [0, 3],
    [2, 3],
    [3, 3],
    [4, 1],
  ])
  expect(turns.queued).toBe(0)
})

test('the loop reads a socket between turns: an answer waiting there is not held for the burst', async () => {
  const server = net.createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  closers.push(() => server.close())
  const { port } = server.address() as net.AddressInfo
  const accepted = once(server, 'connection')
  const client = net.connect(port, '127.0.0.1')
  closers.push(() => client.destroy())
  const connected = once(client, 'connect')
  const [peer] = (await accepted) as [net.Socket]
  closers.push(() => peer.destroy())
  await connected

  const order: string[] = []
  client.on('data', () => order.push('answer'))
  const turns = new TurnBudget(unexpected, 2)
  await burst(turns, 8, (i) => {
    order.push(`request ${i}`)
    // A backend answers while the burst is admitted: in the client's socket at once.
    if (i === 0) peer.write('{"done":false}\n')
  })
  // Two requests a turn: [0 1] [2 3] [4 5] [6 7]. The answer is read by the poll after the
  // turn it came in, or the one after it; it does not wait for the whole burst.
  const at = order.indexOf('answer')
  expect(at).toBeGreaterThanOrEqual(2)
  expect(at).toBeLessThanOrEqual(4)
  expect(order.filter((x) => x.startsWith('request'))).toHaveLength(8)
})

test('after a burst, a lone request goes on at once', async () => {
  const turns = new TurnBudget(unexpected, 2)
  await burst(turns, 5, () => {})
  await new Promise((resolve) => setImmediate(resolve))
  await new Promise((resolve) => setImmediate(resolve))
  expect(turns.enter()).toBe(true)
  expect(turns.enter()).toBe(true)
  expect(turns.enter()).toBe(false)
})

test('a request asking while a turn lets others go waits behind them', async () => {
  const turns = new TurnBudget(unexpected, 2)
  const order: string[] = []
  await burst(turns, 4, (i) => {
    order.push(`request ${i}`)
    if (i === 2) {
      // Asked from inside the turn that lets 2 and 3 go: it may not begin before 3.
      if (turns.enter()) order.push('nested at once')
      else turns.defer(() => order.push('nested'))
    }
  })
  await new Promise((resolve) => setImmediate(resolve))
  await new Promise((resolve) => setImmediate(resolve))
  await new Promise((resolve) => setImmediate(resolve))
  expect(order).toEqual(['request 0', 'request 1', 'request 2', 'request 3', 'nested'])
})

test('a request whose start throws is reported, and the rest of its turn still go on', async () => {
  const errors: unknown[] = []
  const turns = new TurnBudget((err) => errors.push(err), 2)
  const ran: number[] = []
  for (let i = 0; i < 6; i++) {
    const go = (): void => {
      ran.push(i)
      if (i === 2) throw new Error('boom')
    }
    if (turns.enter()) go()
    else turns.defer(go)
  }
  await new Promise((resolve) => setTimeout(resolve, 20))
  expect(ran).toEqual([0, 1, 2, 3, 4, 5])
  expect(errors).toHaveLength(1)
  expect((errors[0] as Error).message).toBe('boom')
})

test('a turn lets at least one request begin', () => {
  expect(() => new TurnBudget(unexpected, 0)).toThrow(RangeError)
  expect(TURN_BUDGET).toBeGreaterThanOrEqual(1)
})

test('through the gateway: a burst of 12 chats reaches the backend over several turns', async () => {
  const gw = await startTestGateway({
    // The first round's answers wait, so that it opens three connections to each backend.
    backends: Array.from({ length: 4 }, () => ({ frames: 1, firstByteDelayMs: 200 })),
    config: (c) => {
      for (const b of c.backends) b.capacity = 16
    },
  })
  closers.push(() => gw.close())
  await gw.running.corral.health.checkNow()
  const received = (): number => gw.fakes.reduce((n, f) => n + f.requests.length, 0)
  const { port } = new URL(gw.url)
  const chat = (): Buffer => {
    const body = JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] })
    return Buffer.from(
      `POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${gw.key}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    )
  }
  const answered = (s: net.Socket): Promise<void> =>
    new Promise((resolve, reject) => {
      let got = ''
      s.on('data', (d: Buffer) => {
        got += d.toString('latin1')
        if (got.includes('"done":true')) resolve()
      })
      s.once('error', reject)
    })
  const sockets = await Promise.all(
    Array.from({ length: 12 }, async () => {
      const s = net.connect(Number(port), '127.0.0.1')
      closers.push(() => s.destroy())
      await once(s, 'connect')
      return s
    }),
  )
  // A first round opens the gateway's 12 connections to the backends (three each), so the
  // measured burst waits for no connect.
  let done = sockets.map(answered)
  for (const s of sockets) s.write(chat())
  await Promise.all(done)
  for (const s of sockets) s.removeAllListeners('data')
  for (const f of gw.fakes) {
    f.reset()
    f.options.firstByteDelayMs = 0
  }

  // What the backends have received, once a turn of this (the gateway's) event loop.
  const seen: number[] = []
  let ticking = true
  const tick = (): void => {
    seen.push(received())
    if (ticking) setImmediate(tick)
  }
  done = sockets.map(answered)
  // All twelve in the gateway's socket buffers before its next poll: one turn hands it all.
  for (const s of sockets) s.write(chat())
  setImmediate(tick)
  await Promise.all(done)
  ticking = false
  expect(received()).toBe(12)
  // Without turns, the backends would get all twelve in the one poll after that turn (seen:
  // 0, 12); with four a turn, four at a time.
  expect(seen.filter((n) => n > 0 && n < 12).length).toBeGreaterThan(0)
  const steps = seen.slice(1).map((n, i) => n - seen[i]!)
  expect(Math.max(...steps)).toBeLessThanOrEqual(TURN_BUDGET)
})
