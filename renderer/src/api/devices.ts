// The control API of device keys (gateway/control/device-routes.ts): `ollama` CLIs that sign
// their requests, waiting for the owner, refused, or bound to a key. The shapes are the
// generated ones (types.ts).

import type { DevicesView } from './types.js'

export type { DeniedDevice, DevicesView, EnrolledDevice, PendingDevice } from './types.js'

export interface DevicesApi {
  list(): Promise<DevicesView>
  /** Allow as an existing key (`as`) or as a new key (`name`). */
  approve(id: string, input: { as?: string; name?: string }): Promise<unknown>
  deny(id: string): Promise<unknown>
  forget(id: string): Promise<unknown>
  add(keyId: string, publicKey: string, name?: string): Promise<unknown>
  remove(keyId: string, fingerprint: string): Promise<unknown>
}

type Call = <T>(method: string, path: string, body?: unknown) => Promise<T>

export function createDevicesApi(call: Call): DevicesApi {
  const enc = encodeURIComponent
  return {
    list: () => call<DevicesView>('GET', '/control/devices'),
    approve: (id, input) => call('POST', `/control/devices/${enc(id)}/approve`, input),
    deny: (id) => call('POST', `/control/devices/${enc(id)}/deny`),
    forget: (id) => call('DELETE', `/control/devices/${enc(id)}`),
    add: (keyId, publicKey, name) =>
      call(
        'POST',
        `/control/keys/${enc(keyId)}/devices`,
        name ? { publicKey, name } : { publicKey },
      ),
    remove: (keyId, fingerprint) =>
      call('DELETE', `/control/keys/${enc(keyId)}/devices/${enc(fingerprint)}`),
  }
}
