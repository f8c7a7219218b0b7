// Holding one key in the fair queue (a pause with "wait") and dropping one key's waiters
// (a kick): the other keys are served as if the held key were not there.
import { describe, expect, test } from 'vitest'
import { FairQueue, QueueTimeoutError } from '../../gateway/limits/index.js'
import { KickedError } from '../../gateway/limits/queue-errors.js'

const flush = () => new Promise<void>((resolve) => setImmediate(resolve))

function makeQueue(capacity = 1, maxWaitMs = 60_000) {
  let nowMs = 0
  const timers = new Set<{ at: number; fn: () => void }>()
  const queue = new FairQueue({
    capacity,
    maxQueuedPerKey: 100,
    maxWaitMs,
    now: () => nowMs,
    setTimer: (fn, ms) => {
      const t = { at: nowMs + ms, fn }
      timers.add(t)
      return () => timers.delete(t)
    },
  })
  const advance = (ms: number) => {
    nowMs += ms
    for (const t of [...timers]) {
      if (t.at > nowMs) continue
      timers.delete(t)
      t.fn()
    }
  }
  return { queue, advance }
}

describe('holding a key', () => {
  test('its requests wait even with a slot free, while other keys take the slot at once', async () => {
    const { queue } = makeQueue(2)
    queue.hold('paused')
    expect(queue.tryAcquire('paused')).toBeNull()
    let granted = false
    void queue.acquire('paused').then(() => (granted = true))
    await flush()
    expect(granted).toBe(false)
    // The held waiter is in the queue, yet another key goes straight through.
    expect(queue.tryAcquire('other')).not.toBeNull()
    const second = await queue.acquire('other')
    expect(second.waitedMs).toBe(0)
    expect(queue.stats()).toMatchObject({ active: 2, queued: 1, queuedByKey: { paused: 1 } })
  })

  test('releasing it lets its waiters take free slots in turn', async () => {
    const { queue } = makeQueue(1)
    queue.hold('paused')
    const waiting = queue.acquire('paused')
    await flush()
    queue.release('paused')
    const slot = await waiting
    expect(queue.stats()).toMatchObject({ active: 1, queued: 0 })
    slot()
  })

  test('a held priority waiter does not block other keys’ normal waiters', async () => {
    const { queue } = makeQueue(1)
    const running = queue.tryAcquire('x')!
    queue.hold('owner')
    void queue.acquire('owner', { priority: true })
    const other = queue.acquire('other')
    running()
    await expect(other).resolves.toEqual(expect.any(Function))
    expect(queue.stats().queuedByKey).toEqual({ owner: 1 })
  })

  test('a held waiter still times out after maxWaitMs', async () => {
    const { queue, advance } = makeQueue(1, 1000)
    queue.hold('paused')
    const waiting = queue.acquire('paused')
    advance(1001)
    await expect(waiting).rejects.toBeInstanceOf(QueueTimeoutError)
  })
})

describe('dropping a key', () => {
  test('rejects only that key’s waiters, and the next waiter gets the slot', async () => {
    const { queue } = makeQueue(1)
    const running = queue.tryAcquire('a')!
    const a1 = queue.acquire('a')
    const a2 = queue.acquire('a', { priority: true })
    const b = queue.acquire('b')
    expect(queue.dropKey('a', new KickedError('a'))).toBe(2)
    await expect(a1).rejects.toBeInstanceOf(KickedError)
    await expect(a2).rejects.toBeInstanceOf(KickedError)
    expect(queue.stats()).toMatchObject({ queued: 1, queuedByKey: { b: 1 } })
    running()
    await expect(b).resolves.toEqual(expect.any(Function))
    expect(queue.dropKey('nobody', new KickedError('nobody'))).toBe(0)
  })
})
