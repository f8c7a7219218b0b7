// Which addresses each key has been used from, so the owner can be told when
// a key shows up on a new device. Kept in devices.json; written only when a
// new address appears (rare), never on the request path itself.
import fs from 'node:fs'
import path from 'node:path'
import { writeFileAtomic } from '../util/atomic-file.js'
import type { Logger } from '../util/logger.js'

/** Addresses remembered per key; the oldest is forgotten past this. */
const MAX_DEVICES_PER_KEY = 50

export class DeviceTracker {
  private readonly seen = new Map<string, string[]>()
  private readonly file: string
  private writePending = false

  constructor(
    dataDir: string,
    private readonly logger: Logger,
  ) {
    this.file = path.join(dataDir, 'devices.json')
    try {
      const raw = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Record<string, unknown>
      for (const [keyId, ips] of Object.entries(raw)) {
        if (Array.isArray(ips))
          this.seen.set(
            keyId,
            ips.filter((x): x is string => typeof x === 'string'),
          )
      }
    } catch {
      // No file yet, or unreadable: every device is new once more. Nothing else depends on it.
    }
  }

  /** True the first time this key is seen from this address. */
  observe(keyId: string, ip: string): boolean {
    const list = this.seen.get(keyId) ?? []
    if (list.includes(ip)) return false
    list.push(ip)
    if (list.length > MAX_DEVICES_PER_KEY) list.shift()
    this.seen.set(keyId, list)
    this.scheduleWrite()
    return true
  }

  private scheduleWrite(): void {
    if (this.writePending) return
    this.writePending = true
    setImmediate(() => {
      this.writePending = false
      try {
        writeFileAtomic(this.file, JSON.stringify(Object.fromEntries(this.seen)) + '\n')
      } catch (err) {
        this.logger.warn(`Could not save ${this.file}: ${(err as Error).message}`)
      }
    })
  }
}
