// Finding and driving the packaged app for the smoke test: the executable electron-builder
// `--dir` leaves in release/, a data folder of its own, and the control API read from the
// app's control.json (URL and token), the way the CLI reaches it.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const root = process.cwd()

/** release/<platform dir>/<executable>, as electron-builder --dir names them. */
export function packagedExecutable(): string | null {
  if (process.env.CORRAL_APP_EXECUTABLE) return process.env.CORRAL_APP_EXECUTABLE
  const release = path.join(root, 'release')
  const candidates =
    process.platform === 'win32'
      ? ['win-unpacked/Corral.exe']
      : process.platform === 'darwin'
        ? ['mac-arm64/Corral.app/Contents/MacOS/Corral', 'mac/Corral.app/Contents/MacOS/Corral']
        : ['linux-unpacked/corral']
  for (const c of candidates) {
    const file = path.join(release, c)
    if (fs.existsSync(file)) return file
  }
  return null
}

/** Why the smoke test cannot run here, or null when it can. */
export function whyNotRunnable(): string | null {
  if (packagedExecutable()) return null
  return (
    'no packaged app in release/ (and CORRAL_APP_EXECUTABLE is unset): Electron’s binary ' +
    'could not be installed here. Run `npm run dist:smoke && npm run test:desktop-smoke` ' +
    'where it can (the desktop-smoke workflow does, on Linux, macOS and Windows).'
  )
}

export interface SmokeDirs {
  dataDir: string
  /** XDG_CONFIG_HOME on Linux, so autostart entries land in the test's folder. */
  xdg: string
}

export function smokeDirs(): SmokeDirs {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'corral-smoke-'))
  return { dataDir: path.join(base, 'data'), xdg: path.join(base, 'xdg') }
}

/** Loopback listeners on free ports, no mDNS, the stand-in Ollama as the only backend. */
export function writeSmokeConfig(dataDir: string, ollamaUrl: string): void {
  fs.mkdirSync(dataDir, { recursive: true })
  const config = {
    server: { host: '127.0.0.1', port: 0, controlPort: 0, sharing: true },
    discovery: { mdns: false },
    backends: [{ id: 'stand-in', name: 'Stand-in', url: ollamaUrl, source: 'manual' }],
  }
  fs.writeFileSync(path.join(dataDir, 'config.json'), JSON.stringify(config, null, 2))
}

export function smokeEnv(dirs: SmokeDirs): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v
  return { ...env, CORRAL_DATA_DIR: dirs.dataDir, XDG_CONFIG_HOME: dirs.xdg }
}

export interface ControlInfo {
  url: string
  token: string
  pid: number
}

export function readControl(dataDir: string): ControlInfo | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dataDir, 'control.json'), 'utf8')) as ControlInfo
  } catch {
    return null
  }
}

export async function control(
  info: ControlInfo,
  p: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${info.url}${p}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${info.token}`,
      ...(init.body ? { 'content-type': 'application/json' } : {}),
    },
    body: init.body ? JSON.stringify(init.body) : undefined,
  })
  const text = await res.text()
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null }
}

/** Whether the OS has Corral's login item: the Run key on Windows, the autostart file on Linux. */
export function osLoginItem(dirs: SmokeDirs): boolean | null {
  if (process.platform === 'linux') {
    return fs.existsSync(path.join(dirs.xdg, 'autostart', 'corral.desktop'))
  }
  if (process.platform === 'win32') {
    try {
      execFileSync('reg', [
        'query',
        'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run',
        '/v',
        'dev.corral.app',
      ])
      return true
    } catch {
      return false
    }
  }
  // macOS: SMAppService, read through the app itself (see the test).
  return null
}
