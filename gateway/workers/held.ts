// What the primary holds for each request a worker admitted (worker-link.ts): its lease, the
// worker's client as the fair queue sees it, and its relay as the owner's registry sees it.
import type { Attached } from '../owner/in-flight.js'
import type { TrackedLease } from '../proxy/admission.js'

/** The primary's view of a request a worker admitted. */
export interface Held {
  lease: TrackedLease
  client: RemoteClient
  attached: RemoteAttached
  tracked: Tracked
  holding: boolean
  ended: boolean
}

/** What the owner's registry shows of a worker's request (TrackedState, kept up to date). */
export interface Tracked {
  startedAt: number
  clientIp: string
  model: string | null
  ttfbMs: number | null
  key: { record: { id: string; name: string } }
}

/** The worker's client, as the fair queue sees it: a cancel message aborts its wait. */
export class RemoteClient {
  private controller: AbortController | null = null
  private cancelled = false

  get signal(): AbortSignal {
    this.controller ??= new AbortController()
    if (this.cancelled) this.controller.abort()
    return this.controller.signal
  }

  cancel(): void {
    this.cancelled = true
    this.controller?.abort()
  }
}

/** The relay of a worker's request as the owner sees it: its stream and frames so far. */
export class RemoteAttached implements Attached {
  streaming = false
  frames = 0
  chunks(): number {
    return this.frames
  }
  kick(): void {
    // The worker ends it: InFlight.onKick tells it, attached or not.
  }
}
