// The shared set-up of the mDNS suites: one private network namespace per test file, the agents
// bundled once, optionally a browsing gateway ("observer") and a browsing bonjour-service peer
// that every test in the file can use, and per-test gateways stopped after each test.
// Plus small readers for what the agents reported.

import os from 'node:os'
import { afterAll, afterEach, beforeAll } from 'vitest'
import type { Candidate } from '../../gateway/discovery/mdns.js'
import { advertisedHostName } from '../../gateway/discovery/records.js'
import { canUseNetns, createNetns, type NetnsOptions, type Netns } from '../support/netns.js'
import { Agent, bundleAgents, type Bundles } from './agents.js'

export const netnsUsable = canUseNetns()
if (!netnsUsable) {
  console.warn('Skipping the mDNS tests: cannot create a network namespace (needs root and `ip`).')
}

/** Where our gateway says it is (its SRV target), and where avahi says this computer is. */
export const GATEWAY_HOST = advertisedHostName()
export const OS_HOST = advertisedHostName(os.hostname())

/** What bonjour-service reports for a service it found (see fixtures/bonjour-agent.ts). */
export interface Found {
  name: string
  fqdn: string
  host: string
  port: number
  txt: Record<string, string> | null
}

export class Lab {
  private netns: Netns | undefined
  private bundles: Bundles | undefined
  private shared: { observer: Agent; peer: Agent } | undefined
  private readonly perTest: Agent[] = []

  get ns(): Netns {
    return this.ready(this.netns)
  }

  /** A gateway that browses, shared by the file's tests (with `shared: true`). */
  get observer(): Agent {
    return this.ready(this.shared).observer
  }

  /** A bonjour-service process that browses and publishes, shared like the observer. */
  get peer(): Agent {
    return this.ready(this.shared).peer
  }

  /** A gateway agent for the current test only. */
  async startGateway(args: string[] = []): Promise<Agent> {
    const label = `gateway#${this.perTest.length}`
    const agent = await Agent.start(this.ns, this.ready(this.bundles).corral, label, args)
    this.perTest.push(agent)
    return agent
  }

  async setUp(opts: LabOptions): Promise<void> {
    ;[this.bundles, this.netns] = await Promise.all([bundleAgents(), createNetns(opts)])
    if (!opts.shared) return
    const [observer, peer] = await Promise.all([
      Agent.start(this.netns, this.bundles.corral, 'observer', ['--browse']),
      Agent.start(this.netns, this.bundles.bonjour, 'peer'),
    ])
    this.shared = { observer, peer }
    await peer.call('browse')
    // Some tests send things once: first make sure the observer's socket is listening.
    await peer.call('publish', { name: 'Canary Ollama', port: 11451 })
    await observer.waitFor(() => hasCandidate(observer, 'Canary Ollama'), 'the canary')
  }

  async afterEach(): Promise<void> {
    await Promise.all(this.perTest.splice(0).map((a) => a.stop()))
  }

  async tearDown(): Promise<void> {
    await Promise.all([this.shared?.observer.stop(), this.shared?.peer.stop()])
    await this.netns?.destroy()
    await this.bundles?.cleanup()
  }

  private ready<T>(value: T | undefined): T {
    if (value === undefined) throw new Error('the mDNS lab is not set up (did beforeAll fail?)')
    return value
  }
}

export interface LabOptions extends NetnsOptions {
  /** Start the shared observer and peer. */
  shared?: boolean
}

/** Registers the hooks of a Lab in the enclosing describe block. */
export function useLab(opts: LabOptions = {}): Lab {
  const lab = new Lab()
  beforeAll(() => lab.setUp(opts))
  afterEach(() => lab.afterEach())
  afterAll(() => lab.tearDown())
  return lab
}

/** Every list the agent's onChange reported, oldest first. */
export function changes(agent: Agent): Candidate[][] {
  return agent.events.filter((e) => e.event === 'change').map((e) => e.data as Candidate[])
}

export function latestCandidates(agent: Agent): Candidate[] {
  return changes(agent).at(-1) ?? []
}

export function hasCandidate(agent: Agent, name: string): boolean {
  return latestCandidates(agent).some((c) => c.name === name)
}

/** The services a bonjour-service browser currently knows, by instance name. */
export function seenBy(agent: Agent): Map<string, Found> {
  const seen = new Map<string, Found>()
  for (const { event, data } of agent.events) {
    const service = data as Found
    if (event === 'up') seen.set(service.name, service)
    if (event === 'down') seen.delete(service.name)
  }
  return seen
}

/** The gateway's log lines (logger.warn), with their extra arguments. */
export function warnings(agent: Agent): string[] {
  return agent.events
    .filter((e) => e.event === 'warn')
    .map((e) => {
      const { msg, rest } = e.data as { msg: string; rest: unknown }
      return `${msg} ${JSON.stringify(rest)}`
    })
}

export function withoutLastSeen({ lastSeen: _, ...rest }: Candidate): Omit<Candidate, 'lastSeen'> {
  return rest
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
