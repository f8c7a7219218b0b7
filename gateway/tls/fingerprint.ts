/** The hex fingerprint grouped for people to compare: `AB:CD:...`. */
export function formatFingerprint(hex: string): string {
  return (hex.toUpperCase().match(/.{2}/g) ?? []).join(':')
}
