// The body watch (slow-bodies.ts) keeps only requests whose body is still arriving: a body
// that has ended leaves it at once, not at the next sweep, so a busy gateway does not hold
// every recent request and response in memory. The cuts themselves are tested end to end in
// test/security/long-uploads.test.ts.
import http from 'node:http'
import net, { type AddressInfo } from 'node:net'
import { once } from 'node:events'
import { afterEach, expect, test } from 'vitest'
import { request } from 'undici'
import { createBodyWatch } from '../../gateway/proxy/slow-bodies.js'
import { defaultConfig } from '../../gateway/config/load.js'

const closers: Array<() => void> = []
afterEach(() => {
  for (const close of closers.splice(0)) close()
})

async function server() {
  // A sweep an hour away: whatever leaves the watch here left it without one.
  const watch = createBodyWatch(() => defaultConfig().server, 3_600_000)
  const srv = http.createServer((req, res) => {
    watch.watch(req, res)
    req.resume()
    req.on('end', () => res.end('ok'))
  })
  srv.listen(0, '127.0.0.1')
  await once(srv, 'listening')
  closers.push(() => {
    watch.close()
    srv.closeAllConnections()
    srv.close()
  })
  return { watch, port: (srv.address() as AddressInfo).port }
}

test('requests whose bodies have ended leave the watch without waiting for a sweep', async () => {
  const { watch, port } = await server()
  for (let i = 0; i < 50; i++) {
    const res = await request(`http://127.0.0.1:${port}/api/show`, {
      method: 'POST',
      body: JSON.stringify({ model: 'llama3.2', i }),
    })
    expect(await res.body.text()).toBe('ok')
  }
  expect(watch.size).toBe(0)
})

test('a body still arriving stays watched until it ends', async () => {
  const { watch, port } = await server()
  const socket = net.connect(port, '127.0.0.1')
  closers.push(() => socket.destroy())
  socket.write('POST /api/blobs/x HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\nhello')
  while (watch.size === 0) await new Promise((r) => setTimeout(r, 5))
  await new Promise((r) => setTimeout(r, 50))
  expect(watch.size).toBe(1)
  socket.write('world')
  await once(socket, 'data')
  expect(watch.size).toBe(0)
})
