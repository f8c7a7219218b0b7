// The enrolled and refused device keys of one config, compiled for the hot path: a request's
// key is looked up by its base64 text, its signature checked with a ready key object.
import type crypto from 'node:crypto'
import type { Config } from '../config/schema.js'
import { fromWireBase64, verifierOf } from './ssh-key.js'

export interface CompiledDevice {
  keyId: string
  name: string
  fingerprint: string
  verifier: crypto.KeyObject
}

export class DeviceIndex {
  private readonly byKey = new Map<string, CompiledDevice>()
  private readonly denied = new Set<string>()

  /** Throws (naming the device) when a device is on two keys or its key cannot be read. */
  constructor(config: Config) {
    for (const k of config.keys) {
      for (const d of k.devices ?? []) {
        const parsed = fromWireBase64(d.publicKey.slice('ssh-ed25519 '.length))
        if (parsed === null)
          throw new Error(`key "${k.name}": device "${d.name}" is not an ed25519 key`)
        const other = this.byKey.get(parsed.base64)
        if (other !== undefined) {
          throw new Error(
            `device ${parsed.fingerprint} is on two keys (${other.keyId} and ${k.id}); a device belongs to one key`,
          )
        }
        this.byKey.set(parsed.base64, {
          keyId: k.id,
          name: d.name,
          fingerprint: parsed.fingerprint,
          verifier: verifierOf(parsed.raw),
        })
      }
    }
    for (const d of config.devices?.denied ?? []) this.denied.add(d.fingerprint)
  }

  get size(): number {
    return this.byKey.size
  }

  find(base64: string): CompiledDevice | undefined {
    return this.byKey.get(base64)
  }

  isDenied(fingerprint: string): boolean {
    return this.denied.has(fingerprint)
  }
}
