// Shared by the fleet suites (spill-over, learned capacity): one non-streamed generation,
// a burst of them at once, and how many each stand-in backend was sent.
import { request } from 'undici'
import type { TestGateway } from './gateway.js'

export const generate = (g: TestGateway) =>
  request(`${g.url}/api/generate`, {
    method: 'POST',
    headers: { authorization: g.key },
    body: JSON.stringify({ model: 'llama3.2', prompt: 'hi', stream: false }),
  })

/** `n` generations at once; their statuses. */
export function burst(g: TestGateway, n: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const res = await generate(g)
      await res.body.dump()
      return res.statusCode
    }),
  )
}

/** Generations each backend received, in backend order. */
export const served = (g: TestGateway) =>
  g.fakes.map((f) => f.requests.filter((r) => r.path === '/api/generate').length)
