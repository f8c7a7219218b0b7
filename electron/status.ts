// What the tray shows, read from the running gateway in one go: a plain value, so
// the menu is a pure function of it and tests can compare states.
import type { RunningCorral } from '../gateway/server.js'
import { advisoriesFor, updateTo } from '../gateway/advisories/ollama-advisories.js'
import type { Activity } from '../gateway/owner/activity.js'
import { ollamaState, type OllamaState } from '../gateway/backends/down.js'
import { labelOf } from '../gateway/device-keys/pending.js'

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
  running: RunningCorral | null,
  extra: { error: string | null; startAtLogin: boolean },
): AppStatus {
  if (!running) {
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
  const corral = running.corral
  const sharing = running.sharing.isOn()
  const backendsDown = corral.pool
    .list()
    .filter((b) => b.record.enabled && b.state === 'down')
    .map((b) => b.record.name)
  const ollama = ollamaState(corral.pool)
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
    urls: sharing ? running.sharing.urls() : [],
    inFlight: corral.stats.live.snapshot().inFlight,
    activeKeys: corral.snapshot.keys.activeCount(corral.now()),
    ollama,
    backendsDown,
    vulnerable: vulnerableLines(corral.pool.list()),
    exposureWarning: corral.localExposure(),
    error: extra.error,
    startAtLogin: extra.startAtLogin,
    pausedReason: running.network.state().reason,
    devicesAsking: corral.pendingDevices.list().map(labelOf),
    ...ownerStatus(corral.owner.activity()),
  }
}

/** Lines of the tray's "who" part, at most this many (the Share view lists them all). */
const WHO_LINES = 3

function ownerStatus(a: Activity): Pick<AppStatus, 'who' | 'everyonePaused'> {
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
function vulnerableLines(backends: ReturnType<RunningCorral['corral']['pool']['list']>): string[] {
  return backends.flatMap((b) => {
    const found = advisoriesFor(b.version)
    if (!b.record.enabled || found.length === 0) return []
    const cves = found.map((a) => a.cve).join(', ')
    return [`Ollama ${b.version} on ${b.record.name}: ${cves}; update to ${updateTo(found)}`]
  })
}
