// The test's side of the agents (fixtures/*.ts): bundles them with esbuild into plain .mjs files
// (vitest runs outside the namespace, and node 20 cannot run TypeScript), starts them inside a
// namespace and talks to them over stdio.

import type { ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import type { Netns } from '../support/netns.js'

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures')
const STOP_TIMEOUT_MS = 3_000
export const WAIT_TIMEOUT_MS = 5_000

export interface Bundles {
  corral: string
  bonjour: string
  cleanup(): Promise<void>
}

/** Bundles the agents, bonjour-service included, into a temp dir. */
export async function bundleAgents(): Promise<Bundles> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'corral-mdns-'))
  await build({
    entryPoints: {
      corral: path.join(FIXTURES, 'corral-agent.ts'),
      bonjour: path.join(FIXTURES, 'bonjour-agent.ts'),
    },
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // bonjour-service is CommonJS and requires Node built-ins.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    logLevel: 'error',
  })
  return {
    corral: path.join(dir, 'corral.mjs'),
    bonjour: path.join(dir, 'bonjour.mjs'),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  }
}

export interface AgentEvent {
  event: string
  data: unknown
}

/** One agent process inside a namespace. */
export class Agent {
  readonly events: AgentEvent[] = []
  private stderr = ''
  private nextId = 1
  private readonly pending = new Map<
    number,
    { resolve(v: unknown): void; reject(e: Error): void }
  >()
  private readonly watchers = new Set<() => void>()

  private constructor(
    readonly label: string,
    private readonly child: ChildProcess,
  ) {
    createInterface({ input: child.stdout! }).on('line', (line) => this.onLine(line))
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d))
    child.once('exit', () => {
      for (const { reject } of this.pending.values()) reject(this.failure('exited'))
      this.pending.clear()
      this.notify()
    })
  }

  static async start(
    ns: Netns,
    script: string,
    label: string,
    args: string[] = [],
  ): Promise<Agent> {
    const agent = new Agent(label, ns.node(script, args))
    await agent.waitFor(() => agent.events.some((e) => e.event === 'ready'), 'ready')
    return agent
  }

  get exitCode(): number | null {
    return this.child.exitCode
  }

  call<T = unknown>(op: string, args?: unknown): Promise<T> {
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      this.child.stdin!.write(JSON.stringify({ id, op, args }) + '\n')
    })
  }

  /** Resolves with the first truthy value of `check`, re-run after every line the agent prints. */
  waitFor<T>(
    check: () => T | undefined | null | false,
    what: string,
    timeoutMs = WAIT_TIMEOUT_MS,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const attempt = (): void => {
        const value = check()
        if (value !== undefined && value !== null && value !== false) {
          done()
          resolve(value)
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          done()
          reject(this.failure(`exited while waiting for ${what}`))
        }
      }
      const timer = setTimeout(() => {
        done()
        reject(this.failure(`timed out after ${timeoutMs} ms waiting for ${what}`))
      }, timeoutMs)
      const done = (): void => {
        clearTimeout(timer)
        this.watchers.delete(attempt)
      }
      this.watchers.add(attempt)
      attempt()
    })
  }

  /** Closes stdin (the agent cleans up and exits) and waits for the exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    const exited = new Promise((resolve) => this.child.once('exit', resolve))
    this.child.stdin!.end()
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS)
    await exited
    clearTimeout(timer)
  }

  private onLine(line: string): void {
    let message: {
      id?: number
      ok?: boolean
      result?: unknown
      error?: string
    } & Partial<AgentEvent>
    try {
      message = JSON.parse(line) as typeof message
    } catch {
      this.stderr += `(stdout) ${line}\n`
      return
    }
    if (message.id !== undefined) {
      const call = this.pending.get(message.id)
      this.pending.delete(message.id)
      if (message.ok) call?.resolve(message.result)
      else call?.reject(this.failure(message.error ?? 'failed'))
    } else if (message.event !== undefined) {
      this.events.push({ event: message.event, data: message.data })
    }
    this.notify()
  }

  private notify(): void {
    for (const watcher of [...this.watchers]) watcher()
  }

  private failure(what: string): Error {
    const recent = this.events
      .slice(-10)
      .map((e) => JSON.stringify(e))
      .join('\n  ')
    return new Error(
      `${this.label}: ${what}\n  events:\n  ${recent}\n  stderr: ${this.stderr.trim()}`,
    )
  }
}
