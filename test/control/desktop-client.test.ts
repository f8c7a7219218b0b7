// Issue 28: what the desktop app's main process uses to reach its gateway over HTTP only
// (gateway/control/client.ts, gateway/child/control-feed.ts), and the control API's parts it needs:
// the feed's `backend` and `new-device` events, the notification settings, and ending
// "pause everyone but me" alone.
import { afterEach, describe, expect, it } from 'vitest'
import { ControlApi, ControlApiError } from '../../gateway/control/client.js'
import { openControlFeed, type ControlFeed } from '../../gateway/child/control-feed.js'
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js'

const open: { gw: TestGateway[]; feeds: ControlFeed[] } = { gw: [], feeds: [] }
afterEach(async () => {
  for (const f of open.feeds.splice(0)) f.close()
  for (const g of open.gw.splice(0)) await g.close()
})

async function gateway() {
  const gw = await startTestGateway()
  open.gw.push(gw)
  const endpoint = () => ({ controlUrl: gw.running.controlUrl, token: gw.running.token })
  return { gw, api: new ControlApi(endpoint), endpoint }
}

type Activity = { everyone: unknown; paused: { keyId: string }[] }

describe('the control API client of the desktop app', () => {
  it('says JSON on every non-GET; DELETE /control/pause-all ends only that pause', async () => {
    const { gw, api } = await gateway()
    await api.post(`/control/keys/${gw.keyId}/pause`, {})
    await api.post('/control/pause-all', {})
    expect((await api.get<Activity>('/control/activity/now')).everyone).not.toBeNull()

    expect(await api.delete('/control/pause-all')).toEqual({ ended: true })
    const after = await api.get<Activity>('/control/activity/now')
    expect(after.everyone).toBeNull()
    // The key paused on its own stays paused (POST /control/resume-all would end that too).
    expect(after.paused.map((p) => p.keyId)).toEqual([gw.keyId])
    expect(await api.delete('/control/pause-all')).toEqual({ ended: false })
  })

  it("throws the API's own words with the status", async () => {
    const { api } = await gateway()
    const err = await api.post('/control/keys/nobody/pause', {}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ControlApiError)
    expect((err as ControlApiError).status).toBe(404)
    expect((err as ControlApiError).message).toMatch(/nobody/)
    const none = new ControlApi(() => null)
    await expect(none.get('/control/status')).rejects.toMatchObject({ status: 503 })
  })

  it('reads and changes the notification settings', async () => {
    const { api } = await gateway()
    type Settings = { notifications: { newDevice: boolean; backendDown: boolean } }
    expect((await api.get<Settings>('/control/settings')).notifications).toEqual({
      newDevice: true,
      backendDown: true,
    })
    const changed = await api.patch<Settings>('/control/settings', {
      notifications: { backendDown: false },
    })
    expect(changed.notifications).toEqual({ newDevice: true, backendDown: false })
  })
})

describe('the live feed as the desktop app reads it', () => {
  it('brings new-device and backend health events, and follows a restarted gateway', async () => {
    const { gw, endpoint } = await gateway()
    const events: { event: string; data: unknown }[] = []
    let opened = 0
    const feed = openControlFeed({
      endpoint,
      onEvent: (event, data) => events.push({ event, data }),
      onOpen: () => opened++,
      retryMs: 50,
    })
    open.feeds.push(feed)
    await eventually(() => expect(events.some((e) => e.event === 'tick')).toBe(true))

    const res = await fetch(`${gw.url}/api/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'llama3.2', prompt: 'hi', stream: false }),
    })
    expect(res.status).toBe(200)
    await res.arrayBuffer()
    await eventually(() =>
      expect(events.find((e) => e.event === 'new-device')?.data).toMatchObject({
        keyName: 'alice',
        ip: '127.0.0.1',
      }),
    )

    await gw.fakes[0]!.kill()
    await eventually(async () => {
      await gw.running.corral.health.checkNow()
      const health = events.filter((e) => e.event === 'backend').map((e) => e.data)
      expect(health.at(-1)).toMatchObject({ name: 'b0', from: 'up', to: 'down' })
    })

    // The gateway goes away under the feed (a crash cuts its connections) and comes back on
    // another port with another token: the feed finds it through the endpoint.
    const before = gw.running.controlUrl
    gw.running.control.server.closeAllConnections()
    await gw.restart()
    expect(gw.running.controlUrl).not.toBe(before)
    const ticks = events.length
    await eventually(() => expect(opened).toBe(2))
    await eventually(() => expect(events.slice(ticks).some((e) => e.event === 'tick')).toBe(true))
  })

  it('sends only the events asked for: the tray gets no record per request and no ticks', async () => {
    const { gw, endpoint } = await gateway()
    const events: string[] = []
    let opened = 0
    const feed = openControlFeed({
      endpoint,
      onEvent: (event) => events.push(event),
      onOpen: () => opened++,
      events: ['backend', 'new-device', 'device'],
      retryMs: 50,
    })
    open.feeds.push(feed)
    await eventually(() => expect(opened).toBe(1))
    const res = await fetch(`${gw.url}/api/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'llama3.2', prompt: 'hi', stream: false }),
    })
    await res.arrayBuffer()
    await eventually(() => expect(events).toContain('new-device'))
    // A tick comes each second: past one, none came.
    await new Promise((r) => setTimeout(r, 1200))
    expect(events.filter((e) => !['backend', 'new-device', 'device'].includes(e))).toEqual([])

    const bad = await fetch(`${gw.running.controlUrl}/control/events?events=tick,everything`, {
      headers: { authorization: `Bearer ${gw.running.token}` },
    })
    expect(bad.status).toBe(400)
    await bad.arrayBuffer()
  })
})
