import { describe, expect, test } from 'vitest'
import {
  AbortError,
  FairQueue,
  QueueFullError,
  QueueTimeoutError,
  type Release,
  type SetTimer,
} from '../../gateway/limits/index.js'

/** A manual clock and timer list, so waits and timeouts take no real time. */
function fakeTime() {
  let nowMs = 0
  const timers = new Set<{ at: number; fn: () => void }>()
  const setTimer: SetTimer = (fn, ms) => {
    const timer = { at: nowMs + ms, fn }
    timers.add(timer)
    return () => timers.delete(timer)
  }
  const advance = (ms: number) => {
    nowMs += ms
    for (const timer of [...timers].sort((a, b) => a.at - b.at)) {
      if (timer.at > nowMs) break
      timers.delete(timer)
      timer.fn()
    }
  }
  return { now: () => nowMs, setTimer, advance, pendingTimers: () => timers.size }
}

function makeQueue(opts: { capacity?: number; maxQueuedPerKey?: number; maxWaitMs?: number } = {}) {
  const time = fakeTime()
  const queue = new FairQueue({
    capacity: opts.capacity ?? 1,
    maxQueuedPerKey: opts.maxQueuedPerKey ?? 100,
    maxWaitMs: opts.maxWaitMs ?? 60_000,
    now: time.now,
    setTimer: time.setTimer,
  })
  return { queue, time }
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve))

/** Records the order in which acquires are granted and keeps their releases. */
function recorder(queue: FairQueue) {
  const order: string[] = []
  const held: Release[] = []
  const acquire = (keyId: string, label: string, priority = false) => {
    const promise = queue.acquire(keyId, { priority })
    promise.then(
      (release) => {
        order.push(label)
        held.push(release)
      },
      () => {},
    )
    return promise
  }
  /** Releases the oldest held slot, one at a time, until `count` grants happened. */
  const drain = async (count: number) => {
    await flush()
    while (order.length < count) {
      const release = held.shift()
      if (!release) throw new Error(`stalled after ${order.join(',')}`)
      release()
      await flush()
    }
    for (const release of held.splice(0)) release()
  }
  return { order, acquire, drain }
}

describe('fair queue', () => {
  test('with capacity 1, one request from B waits behind at most one of A’s 50', async () => {
    const { queue } = makeQueue({ capacity: 1 })
    const { order, acquire, drain } = recorder(queue)
    for (let i = 1; i <= 50; i++) void acquire('A', `A${i}`)
    void acquire('B', 'B1')
    expect(queue.stats()).toMatchObject({ active: 1, queued: 50, queuedByKey: { A: 49, B: 1 } })
    await drain(51)
    expect(order).toEqual(['A1', 'B1', ...Array.from({ length: 49 }, (_, i) => `A${i + 2}`)])
  })

  test('when the slot is held by a third key, A and B alternate from A’s first waiter', async () => {
    const { queue } = makeQueue({ capacity: 1 })
    const { order, acquire, drain } = recorder(queue)
    void acquire('C', 'C1')
    for (let i = 1; i <= 5; i++) void acquire('A', `A${i}`)
    void acquire('B', 'B1')
    void acquire('B', 'B2')
    await drain(8)
    expect(order).toEqual(['C1', 'A1', 'B1', 'A2', 'B2', 'A3', 'A4', 'A5'])
  })

  test('waiting keys are served round-robin', async () => {
    const { queue } = makeQueue({ capacity: 2 })
    const { order, acquire, drain } = recorder(queue)
    void acquire('X', 'X1')
    void acquire('X', 'X2')
    for (const key of ['A', 'B', 'C']) for (let i = 1; i <= 3; i++) void acquire(key, `${key}${i}`)
    await drain(11)
    expect(order).toEqual(['X1', 'X2', 'A1', 'B1', 'C1', 'A2', 'B2', 'C2', 'A3', 'B3', 'C3'])
  })

  test('priority waiters go before every other waiter', async () => {
    const { queue } = makeQueue({ capacity: 1 })
    const { order, acquire, drain } = recorder(queue)
    void acquire('A', 'A1')
    void acquire('A', 'A2')
    void acquire('B', 'B1')
    void acquire('owner', 'P1', true)
    void acquire('owner', 'P2', true)
    void acquire('A', 'A3', true)
    await drain(6)
    expect(order).toEqual(['A1', 'P1', 'A3', 'P2', 'B1', 'A2'])
  })

  test('a key with maxQueuedPerKey waiting gets QueueFullError; other keys still queue', async () => {
    const { queue } = makeQueue({ capacity: 1, maxQueuedPerKey: 2 })
    const held = await queue.acquire('A')
    void queue.acquire('A')
    void queue.acquire('A')
    const third = queue.acquire('A')
    await expect(third).rejects.toBeInstanceOf(QueueFullError)
    const error = (await third.catch((e: unknown) => e)) as QueueFullError
    expect(error.keyId).toBe('A')
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(1)
    expect(error.statusCode).toBe(429)
    void queue.acquire('B')
    expect(queue.stats().queuedByKey).toEqual({ A: 2, B: 1 })
    held()
  })

  test('a waiter that waits maxWaitMs gets QueueTimeoutError and leaves the queue', async () => {
    const { queue, time } = makeQueue({ capacity: 1, maxWaitMs: 1000 })
    const held = await queue.acquire('A')
    let outcome: unknown = 'pending'
    queue.acquire('B').then(
      () => (outcome = 'granted'),
      (e: unknown) => (outcome = e),
    )
    time.advance(999)
    await flush()
    expect(outcome).toBe('pending')
    time.advance(1)
    await flush()
    expect(outcome).toBeInstanceOf(QueueTimeoutError)
    const error = outcome as QueueTimeoutError
    expect(error.waitedMs).toBe(1000)
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(1)
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(1)
    expect(queue.stats()).toMatchObject({ active: 1, queued: 0, queuedByKey: {} })
    held()
    expect(queue.stats().active).toBe(0)
  })

  test('an aborted waiter leaves the queue at once and is never granted a slot', async () => {
    const { queue, time } = makeQueue({ capacity: 1 })
    const held = await queue.acquire('A')
    const controller = new AbortController()
    let granted = false
    const waiting = queue.acquire('B', { signal: controller.signal })
    waiting.then(
      () => (granted = true),
      () => {},
    )
    const next = queue.acquire('C')
    expect(queue.stats().queued).toBe(2)

    controller.abort()
    expect(queue.stats()).toMatchObject({ queued: 1, queuedByKey: { C: 1 } })
    await expect(waiting).rejects.toBeInstanceOf(AbortError)
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' })
    expect(time.pendingTimers()).toBe(1)

    held()
    const release = await next
    release()
    await flush()
    expect(granted).toBe(false)
    expect(queue.stats()).toMatchObject({ active: 0, queued: 0 })
  })

  test('an already-aborted signal is refused without queueing', async () => {
    const { queue } = makeQueue({ capacity: 1 })
    const held = await queue.acquire('A')
    await expect(queue.acquire('B', { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      AbortError,
    )
    expect(queue.stats().queued).toBe(0)
    held()
  })

  test('a request that finds a free slot is granted at once with waitedMs 0; a queued one reports its wait', async () => {
    const { queue, time } = makeQueue({ capacity: 1 })
    const first = await queue.acquire('A')
    expect(first.waitedMs).toBe(0)
    const second = queue.acquire('B')
    time.advance(250)
    first()
    expect((await second).waitedMs).toBe(250)
  })

  test('release is idempotent: releasing twice frees one slot', async () => {
    const { queue } = makeQueue({ capacity: 1 })
    const { order, acquire } = recorder(queue)
    const first = await queue.acquire('A')
    void acquire('B', 'B1')
    void acquire('C', 'C1')
    first()
    first()
    await flush()
    expect(order).toEqual(['B1'])
    expect(queue.stats()).toMatchObject({ active: 1, queued: 1 })
  })

  test('growing the capacity dispatches waiters at once', async () => {
    const { queue } = makeQueue({ capacity: 1 })
    const { order, acquire } = recorder(queue)
    void acquire('A', 'A1')
    void acquire('A', 'A2')
    void acquire('B', 'B1')
    void acquire('C', 'C1')
    queue.setCapacity(3)
    await flush()
    expect(order).toEqual(['A1', 'B1', 'C1'])
    expect(queue.stats()).toMatchObject({ capacity: 3, active: 3, queued: 1 })
  })

  test('after shrinking the capacity, releases do not dispatch until active is under it', async () => {
    const { queue } = makeQueue({ capacity: 3 })
    const running = await Promise.all([queue.acquire('A'), queue.acquire('B'), queue.acquire('C')])
    const { order, acquire } = recorder(queue)
    void acquire('D', 'D1')
    void acquire('E', 'E1')
    queue.setCapacity(1)
    running[0]?.()
    running[0]?.()
    await flush()
    expect(queue.stats()).toMatchObject({ active: 2, queued: 2 })
    running[1]?.()
    await flush()
    expect(queue.stats()).toMatchObject({ active: 1, queued: 2 })
    running[2]?.()
    await flush()
    expect(order).toEqual(['D1'])
    expect(queue.stats()).toMatchObject({ active: 1, queued: 1 })
  })

  test('a shorter maxWaitMs applies to requests already waiting', async () => {
    const { queue, time } = makeQueue({ capacity: 1, maxWaitMs: 60_000 })
    const held = await queue.acquire('A')
    const waiting = queue.acquire('B')
    time.advance(5_000)
    queue.setLimits({ maxWaitMs: 6_000 })
    time.advance(999)
    expect(queue.stats().queued).toBe(1)
    time.advance(1)
    await expect(waiting).rejects.toBeInstanceOf(QueueTimeoutError)
    held()
  })

  test('a lower maxQueuedPerKey refuses new waiters and keeps the queued ones', async () => {
    const { queue } = makeQueue({ capacity: 1, maxQueuedPerKey: 5 })
    const held = await queue.acquire('A')
    void queue.acquire('B')
    void queue.acquire('B')
    queue.setLimits({ maxQueuedPerKey: 1 })
    await expect(queue.acquire('B')).rejects.toBeInstanceOf(QueueFullError)
    expect(queue.stats().queuedByKey).toEqual({ B: 2 })
    held()
  })

  test('rejectAll empties the queue and leaves running requests alone', async () => {
    const { queue, time } = makeQueue({ capacity: 1 })
    const held = await queue.acquire('A')
    const waiting = [queue.acquire('B'), queue.acquire('C', { priority: true })]
    queue.rejectAll(new Error('backend removed'))
    for (const w of waiting) await expect(w).rejects.toThrow('backend removed')
    expect(queue.stats()).toMatchObject({ active: 1, queued: 0 })
    expect(time.pendingTimers()).toBe(0)
    held()
  })

  test('stats count active and queued requests per key', async () => {
    const { queue } = makeQueue({ capacity: 2 })
    await queue.acquire('A')
    await queue.acquire('B')
    void queue.acquire('A')
    void queue.acquire('C')
    void queue.acquire('C')
    expect(queue.stats()).toEqual({
      capacity: 2,
      active: 2,
      queued: 3,
      queuedByKey: { A: 1, C: 2 },
      activeByKey: { A: 1, B: 1 },
    })
  })
})

describe('tryAcquire: a slot at once or nothing', () => {
  test('takes free slots, then returns null without queueing', () => {
    const { queue } = makeQueue({ capacity: 2 })
    const a = queue.tryAcquire('a')
    const b = queue.tryAcquire('b')
    expect(a?.waitedMs).toBe(0)
    expect(b).not.toBeNull()
    expect(queue.tryAcquire('a')).toBeNull()
    expect(queue.stats()).toMatchObject({ active: 2, queued: 0 })
    a!()
    expect(queue.tryAcquire('c')).not.toBeNull()
  })

  test('never jumps a waiter: with anyone queued it returns null even when a slot frees', async () => {
    const { queue } = makeQueue({ capacity: 1 })
    const first = queue.tryAcquire('a')!
    const waiting = queue.acquire('b')
    expect(queue.stats().queued).toBe(1)
    expect(queue.tryAcquire('c')).toBeNull()
    first()
    const granted = await waiting
    expect(granted.waitedMs).toBeGreaterThanOrEqual(0)
    expect(queue.tryAcquire('c')).toBeNull()
    granted()
    expect(queue.tryAcquire('c')).not.toBeNull()
  })
})
