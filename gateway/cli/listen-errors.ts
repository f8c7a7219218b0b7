// A port already taken when `corral serve` starts (issue 27): which port, which program holds
// it when this machine says (Linux /proc), and which flag picks another.
import fs from 'node:fs'

export function addressInUseMessage(err: unknown, ports: { control?: number }): string | null {
  const e = err as { code?: string; port?: number; address?: string }
  if (e.code !== 'EADDRINUSE' || typeof e.port !== 'number') return null
  const isControl = ports.control !== undefined && e.port === ports.control
  const flag = isControl ? '--control-port' : '--port'
  const holder = processListening(e.port)
  const who = holder ? ` (by ${holder})` : ''
  const other = isControl ? 'the control UI' : 'the gateway'
  return `port ${e.port} is already in use${who}: stop that program, or give ${other} another port with ${flag} N (another Corral for this data dir? see corral status).`
}

/** The name and pid of the process listening on TCP `port`, from /proc; null when not found. */
export function processListening(port: number): string | null {
  try {
    const hex = port.toString(16).toUpperCase().padStart(4, '0')
    const inodes = new Set<string>()
    for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
      if (!fs.existsSync(file)) continue
      for (const line of fs.readFileSync(file, 'utf8').split('\n').slice(1)) {
        const cols = line.trim().split(/\s+/)
        // local_address ends in :PORT, state 0A is LISTEN, column 9 is the socket inode.
        if (cols[1]?.endsWith(`:${hex}`) && cols[3] === '0A' && cols[9]) inodes.add(cols[9])
      }
    }
    if (inodes.size === 0) return null
    for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      let fds: string[]
      try {
        fds = fs.readdirSync(`/proc/${pid}/fd`)
      } catch {
        continue
      }
      for (const fd of fds) {
        let link = ''
        try {
          link = fs.readlinkSync(`/proc/${pid}/fd/${fd}`)
        } catch {
          continue
        }
        const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1]
        if (inode && inodes.has(inode)) {
          const name = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim()
          return `${name}, pid ${pid}`
        }
      }
    }
  } catch {
    // Not Linux, or /proc unreadable: the message names the port and the flag only.
  }
  return null
}
