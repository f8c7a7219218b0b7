// Device keys in config.json: the ed25519 public keys of `ollama` CLIs that sign their
// requests (OLLAMA_AUTH=1), each bound to a Corral key, and the devices the owner refused.
// The logic is in gateway/device-keys/.
import { Type, type Static } from '@sinclair/typebox'

/** `ssh-ed25519 <base64 of the 51-byte SSH wire format>`, without the comment. */
const PUBLIC_KEY = Type.String({
  pattern: '^ssh-ed25519 [A-Za-z0-9+/]{68}$',
  description: 'OpenSSH public key line, without its comment',
})
/** `SHA256:<43 base64 characters>`, as `ssh-keygen -lf` prints it. */
const FINGERPRINT = Type.String({ pattern: '^SHA256:[A-Za-z0-9+/]{43}$' })

export const DeviceKeySchema = Type.Object({
  publicKey: PUBLIC_KEY,
  fingerprint: FINGERPRINT,
  name: Type.String({ minLength: 1, maxLength: 100 }),
  addedAt: Type.String({ format: 'date-time' }),
})
export type DeviceKeyRecord = Static<typeof DeviceKeySchema>

export const DeniedDeviceSchema = Type.Object({
  publicKey: PUBLIC_KEY,
  fingerprint: FINGERPRINT,
  /** What the request said about itself (client, address), as it was shown to the owner. */
  label: Type.String({ maxLength: 200, default: '' }),
  deniedAt: Type.String({ format: 'date-time' }),
})
export type DeniedDeviceRecord = Static<typeof DeniedDeviceSchema>

/** How many refused devices are remembered; the oldest is forgotten past this. */
export const MAX_DENIED_DEVICES = 200

export const DevicesSettingsSchema = Type.Object(
  {
    denied: Type.Array(DeniedDeviceSchema, { default: [], maxItems: MAX_DENIED_DEVICES }),
  },
  { default: {} },
)
