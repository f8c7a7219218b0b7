// Issue 28: a dismissed Windows firewall prompt leaves "sharing" on while nothing on the LAN
// can connect. The app reads the firewall's inbound Block rules for its executable and the
// tray says what to do.
import { describe, expect, it } from 'vitest'
import {
  FIREWALL_BLOCKED,
  firewallBlocks,
  setupFirewallWatch,
} from '../../electron/firewall-check.js'
import type { RunCommand } from '../../electron/tray-host.js'

function powershell(answer: string | null) {
  const calls: { file: string; args: string[] }[] = []
  const run: RunCommand = (file, args) => {
    calls.push({ file, args })
    return Promise.resolve(answer)
  }
  return { run, calls }
}

describe('the Windows firewall check', () => {
  it('asks PowerShell for enabled inbound Block rules naming the executable, quoted', async () => {
    const ps = powershell('1\r\n')
    expect(await firewallBlocks("C:\\Program Files\\Corral's\\Corral.exe", ps.run)).toBe(true)
    const script = ps.calls[0]!.args.at(-1)!
    expect(ps.calls[0]!.file).toBe('powershell.exe')
    expect(script).toContain("-Program 'C:\\Program Files\\Corral''s\\Corral.exe'")
    expect(script).toMatch(/Direction -eq 'Inbound'.*Action -eq 'Block'/)
    expect(await firewallBlocks('C:\\c.exe', powershell('0').run)).toBe(false)
    expect(await firewallBlocks('C:\\c.exe', powershell(null).run)).toBeNull()
  })

  it('tells the tray when blocked, and clears it when sharing stops', async () => {
    const seen: (string | null)[] = []
    const watch = setupFirewallWatch({
      platform: 'win32',
      exe: 'C:\\Corral\\Corral.exe',
      run: powershell('2').run,
      onChange: (m) => seen.push(m),
    })
    expect(await watch.checkNow()).toBe(true)
    expect(seen).toEqual([FIREWALL_BLOCKED])
    watch.sharing(false)
    expect(seen).toEqual([FIREWALL_BLOCKED, null])
    watch.dispose()
  })

  it('does nothing on Linux and macOS', async () => {
    const ps = powershell('1')
    const watch = setupFirewallWatch({ platform: 'linux', run: ps.run, onChange: () => {} })
    watch.sharing(true)
    expect(await watch.checkNow()).toBeNull()
    expect(ps.calls).toHaveLength(0)
    watch.dispose()
  })
})
