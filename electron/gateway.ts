// Words for an error, whatever was thrown. The gateway itself runs in its own process
// (gateway-host.ts) and the app reaches it only through the control API (gateway-link.ts),
// so nothing here imports the gateway: the main bundle stays the tray, the window and that.
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
