// Windows: a dismissed firewall prompt. When the app first listens on the LAN, Windows
// asks whether to allow it; "Cancel" (or closing the prompt) adds inbound Block rules for
// the executable, and the LAN cannot connect while the tray says "sharing". A connection
// from this machine cannot tell (loopback skips the firewall), so the rules are read:
// PowerShell's NetSecurity cmdlets, whose values are not localized (unlike `netsh`).
import type { RunCommand } from './tray-host.js'
import { runCommand } from './tray-host.js'

/** After sharing turns on, when to look (the prompt needs a moment and an answer). */
export const FIREWALL_FIRST_CHECK_MS = 30_000
/** Then, while sharing, how often. */
export const FIREWALL_CHECK_EVERY_MS = 10 * 60_000

export const FIREWALL_BLOCKED =
  'Windows Firewall blocks Corral, so devices on the LAN cannot connect. Allow Corral in ' +
  'Windows Security > Firewall > "Allow an app through firewall", then toggle sharing.'

/** A PowerShell single-quoted string. */
function psQuote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`
}

/** Whether enabled inbound Block rules name this executable; null when it cannot be told. */
export async function firewallBlocks(
  exe: string,
  run: RunCommand = runCommand,
): Promise<boolean | null> {
  const script =
    `@(Get-NetFirewallApplicationFilter -Program ${psQuote(exe)} -ErrorAction SilentlyContinue | ` +
    `Get-NetFirewallRule | Where-Object { $_.Enabled -eq 'True' -and $_.Direction -eq 'Inbound' ` +
    `-and $_.Action -eq 'Block' }).Count`
  const out = await run('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', script])
  if (out === null) return null
  const n = Number.parseInt(out.trim(), 10)
  return Number.isNaN(n) ? null : n > 0
}

export interface FirewallWatchOptions {
  platform: NodeJS.Platform
  exe?: string
  run?: RunCommand
  /** Called with the message when blocked, with null when no longer blocked. */
  onChange: (message: string | null) => void
}

export interface FirewallWatch {
  /** Sharing turned on or off: look soon after it turns on, stop looking when off. */
  sharing(on: boolean): void
  /** Looks now (tests); resolves with what was found. */
  checkNow(): Promise<boolean | null>
  dispose(): void
}

export function setupFirewallWatch(opts: FirewallWatchOptions): FirewallWatch {
  let timer: NodeJS.Timeout | null = null
  let blocked = false
  const exe = opts.exe ?? process.execPath
  const checkNow = async () => {
    if (opts.platform !== 'win32') return null
    const found = await firewallBlocks(exe, opts.run)
    if (found !== null && found !== blocked) {
      blocked = found
      opts.onChange(found ? FIREWALL_BLOCKED : null)
    }
    return found
  }
  const stop = () => {
    if (timer) clearTimeout(timer)
    timer = null
  }
  const schedule = (ms: number) => {
    stop()
    timer = setTimeout(() => {
      void checkNow().finally(() => timer && schedule(FIREWALL_CHECK_EVERY_MS))
    }, ms)
    timer.unref()
  }
  return {
    sharing(on) {
      if (opts.platform !== 'win32') return
      if (on) schedule(FIREWALL_FIRST_CHECK_MS)
      else {
        stop()
        if (blocked) {
          blocked = false
          opts.onChange(null)
        }
      }
    },
    checkNow,
    dispose: stop,
  }
}
