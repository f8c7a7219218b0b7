// Is the local Ollama itself listening on every interface? Then anyone on the
// LAN can reach it directly and every key Corral checks is bypassed. Found
// without sending a packet: OLLAMA_HOST, and on Linux the kernel's socket table.
import fs from 'node:fs'

const WILDCARD_V4 = '00000000'
const WILDCARD_V6 = '00000000000000000000000000000000'
/** TCP state 0A is LISTEN in /proc/net/tcp. */
const TCP_LISTEN = '0A'

export function localExposureWarning(
  localUrl: string | null,
  env: NodeJS.ProcessEnv = process.env,
  readProc: (file: string) => string | null = readIfExists,
): string | null {
  const host = env.OLLAMA_HOST?.trim() ?? ''
  if (/^(https?:\/\/)?(0\.0\.0\.0|\[?::\]?)(:\d+)?\/?$/.test(host)) {
    return 'OLLAMA_HOST makes the local Ollama listen on all interfaces: anyone on the LAN can use it without a key. Set OLLAMA_HOST=127.0.0.1 and share through Corral.'
  }
  if (!localUrl) return null
  let port: number
  try {
    const u = new URL(localUrl)
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) return null
    port = Number(u.port || 11434)
  } catch {
    return null
  }
  if (listensOnWildcard(port, readProc)) {
    return `The local Ollama listens on all interfaces (port ${port}): anyone on the LAN can use it without a key. Set OLLAMA_HOST=127.0.0.1 and restart Ollama.`
  }
  return null
}

function listensOnWildcard(port: number, readProc: (file: string) => string | null): boolean {
  const portHex = port.toString(16).toUpperCase().padStart(4, '0')
  for (const [file, wildcard] of [
    ['/proc/net/tcp', WILDCARD_V4],
    ['/proc/net/tcp6', WILDCARD_V6],
  ] as const) {
    const table = readProc(file)
    if (!table) continue
    for (const line of table.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/)
      const local = cols[1]
      if (!local || cols[3] !== TCP_LISTEN) continue
      const [addr, p] = local.split(':')
      if (p === portHex && addr === wildcard) return true
    }
  }
  return false
}

function readIfExists(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return null
  }
}
