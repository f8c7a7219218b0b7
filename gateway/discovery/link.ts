// The multicast socket, owned through bonjour-service, with every failure turned into a log
// line: a laptop with no multicast route, a port taken by another responder or a Wi-Fi that
// comes and goes must never crash the gateway.

import type { RemoteInfo } from 'node:dgram'
import net from 'node:net'
import os from 'node:os'
import { Bonjour } from 'bonjour-service'
import type { ServiceConfig } from 'bonjour-service'
import type { DiscoveryLogger } from './types.js'

export interface MdnsRecord {
  name: string
  type: string
  ttl?: number
  data?: unknown
}

export interface MdnsQuestion {
  name: string
  type: 'PTR' | 'SRV' | 'ANY'
}

export interface MdnsPacket {
  answers?: MdnsRecord[]
  additionals?: MdnsRecord[]
}

export type ResponseListener = (packet: MdnsPacket, rinfo: RemoteInfo) => void

/** One mDNS socket: bonjour-service for publishing, plus raw queries and responses. */
export interface MdnsLink {
  readonly bonjour: Bonjour
  /** Every mDNS response heard; returns the unsubscribe function. */
  onResponse(fn: ResponseListener): () => void
  /** Sends one query packet; a failure is logged (once until sending works again). */
  query(questions: MdnsQuestion[]): void
  /** Logs a failure once per `context` and error code. */
  warn(context: string, err: unknown): void
  destroy(): Promise<void>
}

/**
 * The multicast-dns instance bonjour-service keeps in `server.mdns`. bonjour-service does not
 * expose it, but it is the only way to hear its socket errors (unheard, an `error` event throws)
 * and every response (its Browser never refreshes or expires what it found).
 */
interface MulticastDns {
  on(event: string, fn: (...a: never[]) => void): unknown
  removeListener(event: string, fn: (...a: never[]) => void): unknown
  query(questions: MdnsQuestion[], cb: (err: Error | null) => void): void
}

const DESTROY_TIMEOUT_MS = 1_000
const SENDING = 'sending a query'

export function openMdnsLink(opts: { interface?: string; logger: DiscoveryLogger }): MdnsLink {
  const { logger } = opts
  const logged = new Set<string>()
  const warn = (context: string, err: unknown): void => {
    const code = (err as NodeJS.ErrnoException | null)?.code ?? String(err)
    const key = `${context}:${code}`
    if (logged.has(key)) return
    logged.add(key)
    logger.warn(`mDNS: ${context} failed (${code}); discovery may not work on this network`, {
      error: err,
    })
  }

  const address = resolveInterface(opts.interface, logger)
  // With an interface, multicast-dns also binds to its address, and a socket bound to a unicast
  // address hears no multicast on Linux: keep the wildcard bind.
  const mdnsOptions: Record<string, unknown> =
    address === undefined ? {} : { interface: address, bind: '0.0.0.0' }
  const bonjour = new Bonjour(mdnsOptions as Partial<ServiceConfig>, (err: unknown) =>
    warn('answering a query', err),
  )
  const mdns = multicastDnsOf(bonjour)
  if (mdns === null) {
    bonjour.destroy()
    throw new Error('bonjour-service no longer keeps its multicast-dns instance in server.mdns')
  }
  mdns.on('error', (err: Error) => warn('socket', err))
  mdns.on('warning', (err: Error) => warn('multicast setup', err))

  let destroyed = false
  return {
    bonjour,
    onResponse(fn) {
      mdns.on('response', fn)
      return () => void mdns.removeListener('response', fn)
    },
    query(questions) {
      if (destroyed || questions.length === 0) return
      mdns.query(questions, (err) => {
        if (err) return warn(SENDING, err)
        // Sending works (again): the next failure deserves a new log line.
        for (const key of logged) if (key.startsWith(`${SENDING}:`)) logged.delete(key)
      })
    },
    warn,
    destroy() {
      if (destroyed) return Promise.resolve()
      destroyed = true
      return new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, DESTROY_TIMEOUT_MS)
        try {
          bonjour.destroy(() => {
            clearTimeout(timer)
            resolve()
          })
        } catch (err) {
          warn('closing the socket', err)
          clearTimeout(timer)
          resolve()
        }
      })
    },
  }
}

function multicastDnsOf(bonjour: Bonjour): MulticastDns | null {
  const mdns = (bonjour as unknown as { server?: { mdns?: Partial<MulticastDns> } }).server?.mdns
  const usable =
    typeof mdns?.on === 'function' &&
    typeof mdns.removeListener === 'function' &&
    typeof mdns.query === 'function'
  return usable ? (mdns as MulticastDns) : null
}

/** `eth0` or `192.168.1.20` -> the IPv4 address multicast-dns wants; undefined means all. */
function resolveInterface(spec: string | undefined, logger: DiscoveryLogger): string | undefined {
  if (spec === undefined || spec === '') return undefined
  if (net.isIPv4(spec)) return spec
  const v4 = os.networkInterfaces()[spec]?.find((a) => a.family === 'IPv4')
  if (v4) return v4.address
  logger.warn(`mDNS: interface ${spec} has no IPv4 address; using every interface`)
  return undefined
}
