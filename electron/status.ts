// What the tray shows, made from what the gateway's control API answers (the same answers
// the window and the CLI get): a plain value, so the menu is a pure function of it and
// tests can compare states. The main process reads these over HTTP (gateway-link.ts).
import type { Static } from '@sinclair/typebox'
import type { StatusView } from '../gateway/control/schemas.js'
import type { ActivityView } from '../gateway/owner/schemas.js'
import type { SettingsView } from '../gateway/control/settings-routes.js'
import type { DevicesView } from '../gateway/auth/device-enrol.js'
import { updateTo } from '../gateway/advisories/ollama-advisories.js'

export type StatusJson = Static<typeof StatusView>
export type ActivityJson = Static<typeof ActivityView>
export type SettingsJson = Static<typeof SettingsView>

/** One read of the control API: GET /control/status, /devices, /activity/now, /settings. */
export interface GatewaySnapshot {
  status: StatusJson
  devices: Pick<DevicesView, 'pending'>
  activity: ActivityJson
  settings: SettingsJson
}

type OllamaState = StatusJson['ollama']['state']

/** The tray icon: not sharing, sharing, sharing with a backend down, something wrong. */
export type TrayState = 'off' | 'sharing' | 'down' | 'error'

export interface AppStatus {
  state: TrayState
  /** The gateway runs (false only when it could not start at all). */
  running: boolean
  sharing: boolean
  /** LAN URLs while sharing. */
  urls: string[]
  inFlight: number
  activeKeys: number
  /**
   * The owner's Ollama as the control status says it (gateway/backends/down.ts): 'down' (every
   * enabled backend fails) and 'none' (nothing to share) turn the icon amber, with the message.
   */
  ollama: { state: OllamaState; message: string | null }
  /** Names of enabled backends that fail their health checks. */
  backendsDown: string[]
  /** Backends whose Ollama has a known vulnerability: one line each (gateway/advisories/). */
  vulnerable: string[]
  /** The local Ollama answers the LAN directly, without Corral. */
  exposureWarning: string | null
  error: string | null
  startAtLogin: boolean
  /** Sharing is paused because this is a network the owner has not shared on: why. */
  pausedReason: string | null
  /** Unknown `ollama` CLIs waiting for the owner's answer (gateway/device-keys/), newest first. */
  devicesAsking: string[]
  /** Who is using the GPU now, a line per key (the busiest few). */
  who: string[]
  /** "Pause everyone but me" is on: when it ends (ISO), or 'until resumed'; null when off. */
  everyonePaused: string | null
}

export function readStatus(
  snap: GatewaySnapshot | null,
  extra: { error: string | null; startAtLogin: boolean },
): AppStatus {
  if (!snap) {
    return {
      state: 'error',
      running: false,
      sharing: false,
      urls: [],
      inFlight: 0,
      activeKeys: 0,
      ollama: { state: 'checking', message: null },
      backendsDown: [],
      vulnerable: [],
      exposureWarning: null,
      error: extra.error ?? 'Corral is not running',
      startAtLogin: extra.startAtLogin,
      pausedReason: null,
      devicesAsking: [],
      who: [],
      everyonePaused: null,
    }
  }
  const status = snap.status
  const sharing = status.sharing
  const backendsDown = status.backends
    .filter((b) => b.enabled && b.state === 'down')
    .map((b) => b.name)
  const ollama = status.ollama
  const noOllama = ollama.state === 'down' || ollama.state === 'none'
  const state: TrayState = extra.error
    ? 'error'
    : !sharing
      ? 'off'
      : backendsDown.length > 0 || noOllama
        ? 'down'
        : 'sharing'
  return {
    state,
    running: true,
    sharing,
    urls: sharing ? status.urls : [],
    inFlight: status.live.inFlight,
    activeKeys: status.keys.active,
    ollama,
    backendsDown,
    vulnerable: vulnerableLines(status.backends),
    // statusView (gateway/control/status.ts) puts the exposure warning first when there is one.
    exposureWarning: status.localOllamaExposed ? (status.warnings[0] ?? null) : null,
    error: extra.error,
    startAtLogin: extra.startAtLogin,
    pausedReason: status.network.reason,
    devicesAsking: snap.devices.pending.map((d) => d.label),
    ...ownerStatus(snap.activity),
  }
}

/** Lines of the tray's "who" part, at most this many (the Share view lists them all). */
const WHO_LINES = 3

function ownerStatus(a: ActivityJson): Pick<AppStatus, 'who' | 'everyonePaused'> {
  const who = a.keys.slice(0, WHO_LINES).map((k) => {
    const parts = [k.models.join(', ') || `${k.running} running`]
    if (k.tokensPerSecond !== null) parts.push(`${Math.round(k.tokensPerSecond)} tok/s`)
    if (k.queued > 0) parts.push(`${k.queued} waiting`)
    if (k.paused) parts.push('paused')
    return `${k.keyName}: ${parts.join(' · ')}`
  })
  if (a.keys.length > WHO_LINES) who.push(`and ${a.keys.length - WHO_LINES} more`)
  const everyonePaused = a.everyone === null ? null : (a.everyone.until ?? 'until resumed')
  return { who, everyonePaused }
}

/** "2 requests in flight · 1 key active" */
export function liveLine(s: Pick<AppStatus, 'inFlight' | 'activeKeys'>): string {
  const req = s.inFlight === 1 ? 'request' : 'requests'
  const keys = s.activeKeys === 1 ? 'key' : 'keys'
  return `${s.inFlight} ${req} in flight · ${s.activeKeys} ${keys} active`
}

/** "Ollama 0.1.30 on Studio: CVE-2024-37032, CVE-2026-7482; update to 0.17.1" */
function vulnerableLines(backends: StatusJson['backends']): string[] {
  return backends.flatMap((b) => {
    const found = b.advisories
    if (!b.enabled || found.length === 0) return []
    const cves = found.map((a) => a.cve).join(', ')
    return [`Ollama ${b.version} on ${b.name}: ${cves}; update to ${updateTo(found)}`]
  })
}
