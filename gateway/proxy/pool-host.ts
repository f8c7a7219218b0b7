// What admission (admission.ts) and the pool's merged model lists (merge.ts) need of the
// process that owns the backends: a Corral (core.ts) is one. The proxy owns this interface,
// so nothing in proxy/ imports the gateway that sits above it.
import type { Dispatcher } from 'undici'
import type { Config } from '../config/schema.js'
import type { BackendPool } from '../backends/pool.js'
import type { Limiters } from '../limits/limiters.js'
import type { Owner } from '../owner/owner.js'

export interface PoolHost {
  readonly config: Config
  readonly pool: BackendPool
  /** For the gateway's own calls to backends (model lists). */
  readonly agent: Dispatcher
  readonly limiters: Limiters
  readonly owner: Pick<Owner, 'track' | 'untrack'>
  /** Remembers the address a key was used from (the owner is told of new devices). */
  observeDevice(keyId: string, keyName: string, ip: string): void
}
