// The discovery contract (see DESIGN.md, "mDNS"): Corral advertises itself as `_ollama._tcp`
// and lists the other Ollama endpoints it hears about. Candidates are shown to the owner,
// never added or trusted automatically.

/** An `_ollama._tcp` service heard on the LAN: a plain Ollama or another Corral gateway. */
export interface Candidate {
  /** Instance name, e.g. `Corral on studio` or whatever avahi/dns-sd published. */
  name: string
  /** SRV target host name, e.g. `studio.local`. */
  host: string
  /** Addresses from the A/AAAA records, or the sender's address when it announced none. */
  addresses: string[]
  port: number
  /** `http://<best address>:<port>`: the sender's own address first, then IPv4, then IPv6. */
  url: string
  /** TXT `auth=key`: the endpoint wants an API key (another Corral gateway does). */
  needsKey: boolean
  /** TXT `app` (`corral` for a Corral gateway), null when absent. */
  app: string | null
  /** TXT `version`, null when absent. */
  version: string | null
  /** TXT `api` split on commas; `['ollama']` when absent (the service type promises it). */
  apis: string[]
  /** Epoch ms of the last packet that confirmed the service. */
  lastSeen: number
}

export interface AdvertiseOptions {
  /** Instance name; a name already taken on the link gets ` (2)`, ` (3)`, ... appended. */
  name: string
  port: number
  /** Corral's version, published in TXT `version`. */
  version: string
  /** TXT `scheme`: what the port speaks (`https` with TLS on). Default `http`. */
  scheme?: 'http' | 'https'
  /** TXT `fp`: SHA-256 of the certificate's DER (hex), with `https`. */
  fingerprint?: string | null
  /**
   * SRV target, answered with this machine's addresses. Default `corral-<host name>.local`
   * (not the computer's own name: see advertisedHostName). A bare name gets `.local`.
   */
  host?: string
}

/** mDNS advertise and browse. Every method is safe to call at any time, in any order. */
export interface Discovery {
  /** Idempotent; re-advertises (goodbye, then announce) if the options change. */
  advertise(opts: AdvertiseOptions): void
  /** Sends goodbye packets (TTL 0) and stops advertising. */
  withdraw(): Promise<void>
  /** Services found, excluding our own advertisement. */
  candidates(): Candidate[]
  /** Calls `fn` with the new list whenever it changes; returns the unsubscribe function. */
  onChange(fn: (c: Candidate[]) => void): () => void
  /** Withdraws, stops browsing and closes the socket. */
  close(): Promise<void>
}

export interface DiscoveryLogger {
  warn(msg: string, ...a: unknown[]): void
}

export interface DiscoveryOptions {
  /** Listen for other `_ollama._tcp` services (advertising works either way). */
  browse: boolean
  /** Interface to use: its name (`eth0`) or one of its IPv4 addresses. Default: all. */
  interface?: string
  logger?: DiscoveryLogger
}
