// Private network namespaces for tests that need multicast (mDNS). The host's loopback does not
// route multicast, and tests must not send to any real network, so each test builds its own:
// a namespace whose only interface is its own loopback, with multicast switched on and
// 224.0.0.0/4 routed to it. Nothing in there can reach anything outside.
//
// Needs root (or CAP_SYS_ADMIN + CAP_NET_ADMIN) and iproute2's `ip`; `canUseNetns()` says.

import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { randomBytes } from 'node:crypto'

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
}

export interface Netns {
  readonly name: string
  /** Runs a command inside and collects its output; killed after `timeoutMs` (default 10 s). */
  run(command: string, args?: string[], opts?: RunOptions): Promise<RunResult>
  /** Starts a command inside. It is killed by destroy() if still running. */
  spawn(command: string, args?: string[], opts?: SpawnOptions): ChildProcess
  /** `node <script> ...args` inside, with piped stdio. */
  node(script: string, args?: string[], opts?: SpawnOptions): ChildProcess
  /** Kills every process inside, then deletes the namespace. Safe to call more than once. */
  destroy(): Promise<void>
}

export interface RunOptions {
  timeoutMs?: number
  env?: NodeJS.ProcessEnv
}

export interface NetnsOptions {
  /**
   * `loopback-multicast` (default): lo up, multicast on, 224.0.0.0/4 routed to lo.
   * `none`: lo left down, so nothing at all can be sent (for "no network" behaviour).
   */
  network?: 'loopback-multicast' | 'none'
}

const KILL_GRACE_MS = 1_000
const DEFAULT_RUN_TIMEOUT_MS = 10_000

let usable: boolean | undefined
/** Namespaces made by this process and not yet destroyed, removed on exit as a last resort. */
const live = new Set<string>()

/** True when this process can create a namespace (checked once by making and deleting one). */
export function canUseNetns(): boolean {
  if (usable !== undefined) return usable
  usable = false
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return usable
  if (spawnSync('ip', ['-V'], { stdio: 'ignore' }).status !== 0) return usable
  const probe = `corral-probe-${randomBytes(4).toString('hex')}`
  if (ip(['netns', 'add', probe]).status !== 0) return usable
  usable = ip(['netns', 'delete', probe]).status === 0
  return usable
}

/** Creates `corral-<random>` and sets up its loopback as `opts.network` says. */
export async function createNetns(opts: NetnsOptions = {}): Promise<Netns> {
  const name = `corral-${randomBytes(6).toString('hex')}`
  checked(['netns', 'add', name])
  live.add(name)
  registerExitCleanup()
  const children = new Set<ChildProcess>()
  const ns: Netns = {
    name,
    run: (command, args = [], runOpts = {}) => run(name, command, args, runOpts),
    spawn(command, args = [], spawnOpts = {}) {
      const child = spawn('ip', ['netns', 'exec', name, command, ...args], spawnOpts)
      children.add(child)
      child.once('exit', () => children.delete(child))
      return child
    },
    node(script, args = [], spawnOpts = {}) {
      return ns.spawn(process.execPath, [script, ...args], { stdio: 'pipe', ...spawnOpts })
    },
    destroy: () => destroy(name, children),
  }
  try {
    if ((opts.network ?? 'loopback-multicast') === 'loopback-multicast') {
      for (const command of [
        ['link', 'set', 'lo', 'up'],
        ['link', 'set', 'lo', 'multicast', 'on'],
        ['route', 'add', '224.0.0.0/4', 'dev', 'lo'],
      ]) {
        checked(['netns', 'exec', name, 'ip', ...command])
      }
    }
  } catch (err) {
    await ns.destroy()
    throw err
  }
  return ns
}

function run(name: string, command: string, args: string[], opts: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', name, command, ...args], {
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS)
    child.once('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

async function destroy(name: string, children: Set<ChildProcess>): Promise<void> {
  if (!live.has(name)) return
  // `ip netns exec` execs its command, so a child's pid is the process inside.
  const exits = [...children].map((child) => exited(child))
  for (const child of children) child.kill('SIGTERM')
  await Promise.race([Promise.all(exits), delay(KILL_GRACE_MS)])
  killInside(name)
  live.delete(name)
  ip(['netns', 'delete', name])
}

/** SIGKILLs whatever still runs in the namespace: only processes this test started. */
function killInside(name: string): void {
  const pids = ip(['netns', 'pids', name]).stdout.split(/\s+/).filter(Boolean).map(Number)
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // Already gone.
    }
  }
}

let exitHookInstalled = false
/**
 * If the test process ends before afterAll ran (a crash, a timeout, Ctrl-C), still remove ours.
 * Only SIGKILL can leave a `corral-*` namespace behind.
 */
function registerExitCleanup(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  const cleanUp = (): void => {
    for (const name of live) {
      killInside(name)
      ip(['netns', 'delete', name])
    }
    live.clear()
  }
  process.once('exit', cleanUp)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanUp()
      // Then die of the signal as we would have without this handler.
      process.kill(process.pid, signal)
    })
  }
}

function ip(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('ip', args, { encoding: 'utf8' })
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' }
}

function checked(args: string[]): void {
  const r = ip(args)
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${r.stderr.trim()}`)
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
