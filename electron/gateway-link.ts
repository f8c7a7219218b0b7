// The main process's one line to its gateway: whatever runs the gateway (the supervised
// utilityProcess child, or in tests the same gateway in-process) is a GatewayHost, and
// everything the tray, the notifications and the login item need goes through the control
// API over HTTP, like the window and the CLI. What the tray shows is read every second
// (GET /control/status, /devices, /activity/now, /settings) and kept, so the tray draws
// from memory; what must show at once comes on the live feed (GET /control/events).
import { EventEmitter } from 'node:events'
import type { GatewayHost, GatewayReady } from '../gateway/child/supervisor.js'
import { ControlApi } from '../gateway/control/client.js'
import { openControlFeed, type ControlFeed } from '../gateway/child/control-feed.js'
import type { Logger } from '../gateway/util/logger.js'
import type { GatewaySnapshot, StatusJson, SettingsJson } from './status.js'
import { messageOf } from './gateway.js'

/** How often what the tray shows is read. */
export const LINK_POLL_MS = 1000

export const GATEWAY_RESTARTING = 'Corral’s gateway stopped unexpectedly; restarting it…'

export type NetworkJson = StatusJson['network']

export interface BackendHealthEvent {
  id: string
  name: string
  from: string
  to: string
  error: string | null
}

export interface LinkEvents {
  /** A new snapshot was read (or the gateway went away): the tray checks for changes. */
  changed: []
  /** The gateway is up (again), maybe on another port with another token. */
  ready: [GatewayReady]
  'backend-health': [BackendHealthEvent]
  'new-device': [{ keyId: string; keyName: string; ip: string }]
  'device-asked': [{ label: string }]
  /** The network state changed between two reads. */
  network: [NetworkJson]
  /** The settings changed between two reads. */
  settings: [SettingsJson]
}

export interface GatewayLink extends Pick<EventEmitter<LinkEvents>, 'on' | 'off'> {
  readonly api: ControlApi
  /** Starts the gateway and reads it once; resolves with why it could not start, or null. */
  start(): Promise<string | null>
  /** The last read; null while the gateway is down or does not answer. */
  snapshot(): GatewaySnapshot | null
  /** Why there is no snapshot (down, restarting, not answering); null when there is one. */
  problem(): string | null
  /** The gateway as last reported ready (the window's origin stays this while it restarts). */
  lastReady(): GatewayReady | null
  /** Reads everything again now; resolves once a read that began after this call is done. */
  refresh(): Promise<void>
  /**
   * Stops the feed and the polling, then the gateway: cleanly, or at Windows' session end
   * the essentials only (GatewayHost.endSession).
   */
  stop(how?: 'session-end'): Promise<void>
}

export function createGatewayLink(host: GatewayHost, logger: Logger): GatewayLink {
  const events = new EventEmitter<LinkEvents>()
  const api = new ControlApi(() => host.current())
  let snap: GatewaySnapshot | null = null
  let problem: string | null = null
  let last: GatewayReady | null = null
  let stopped = false
  let feed: ControlFeed | null = null
  let timer: NodeJS.Timeout | null = null

  const read = async () => {
    if (stopped) return
    const before = snap
    try {
      const [status, devices, activity, settings] = await Promise.all([
        api.get<GatewaySnapshot['status']>('/control/status'),
        api.get<GatewaySnapshot['devices']>('/control/devices'),
        api.get<GatewaySnapshot['activity']>('/control/activity/now'),
        api.get<GatewaySnapshot['settings']>('/control/settings'),
      ])
      snap = { status, devices, activity, settings }
      problem = null
    } catch (err) {
      snap = null
      if (host.current()) problem = `Corral’s gateway does not answer: ${messageOf(err)}`
    }
    if (stopped) return
    const now = snap
    if (now && json(now.status.network) !== json(before?.status.network)) {
      events.emit('network', now.status.network)
    }
    if (now && json(now.settings) !== json(before?.settings)) events.emit('settings', now.settings)
    events.emit('changed')
  }

  let inFlight: Promise<void> | null = null
  let queued: Promise<void> | null = null
  const refresh = (): Promise<void> => {
    if (!inFlight) {
      inFlight = read().finally(() => {
        inFlight = null
      })
      return inFlight
    }
    queued ??= inFlight.then(() => {
      queued = null
      return refresh()
    })
    return queued
  }

  const onFeed = (event: string, data: unknown) => {
    if (event === 'backend') {
      // The tray's icon first, then the notification (which may read the settings).
      void refresh().then(() => events.emit('backend-health', data as BackendHealthEvent))
    } else if (event === 'new-device') {
      events.emit('new-device', data as LinkEvents['new-device'][0])
    } else if (event === 'device') {
      void refresh().then(() => events.emit('device-asked', data as { label: string }))
    }
  }

  host.on('ready', (ready) => {
    last = ready
    problem = null
    feed?.reconnect()
    void refresh().then(() => events.emit('ready', ready))
  })
  host.on('exit', () => {
    if (stopped) return
    snap = null
    problem = GATEWAY_RESTARTING
    events.emit('changed')
  })
  host.on('failed', (error) => {
    snap = null
    problem = error
    events.emit('changed')
  })

  const link: Omit<GatewayLink, 'on' | 'off'> = {
    api,
    async start() {
      try {
        last = await host.start()
      } catch (err) {
        problem = messageOf(err)
        return problem
      }
      await refresh()
      // Quit while starting: stop() has run, and nothing may be left running after it.
      if (stopped) return null
      feed = openControlFeed({
        endpoint: () => host.current(),
        onEvent: onFeed,
        // Not a record per request nor the ticks: the main process would parse them for nothing.
        events: ['backend', 'new-device', 'device'],
      })
      timer = setInterval(() => void refresh(), LINK_POLL_MS)
      timer.unref()
      return null
    },
    snapshot: () => snap,
    problem: () => problem,
    lastReady: () => last,
    refresh,
    async stop(how) {
      stopped = true
      if (timer) clearInterval(timer)
      // Our own live feed is a control connection: closed first, so the gateway need not wait.
      feed?.close()
      try {
        await (how === 'session-end' ? host.endSession() : host.stop())
      } catch (err) {
        logger.error(`Stopping the gateway: ${messageOf(err)}`)
      }
    },
  }
  return Object.assign(events, link)
}

function json(v: unknown): string {
  return JSON.stringify(v ?? null)
}
