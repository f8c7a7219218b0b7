// A real avahi-daemon inside the test's namespace, so avahi-browse and avahi-publish (what
// Linux users have) can be pointed at the gateway. avahi talks to its clients over the D-Bus
// system bus: the test runs a private one (a socket in a temp dir), and mounts a tmpfs on /run
// in avahi's own mount namespace so its pid file cannot meet a real avahi's.

import { accessSync, constants } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { ChildProcess } from 'node:child_process'
import type { Netns } from '../support/netns.js'

const TOOLS = ['avahi-daemon', 'avahi-browse', 'avahi-publish', 'dbus-daemon'] as const
const START_TIMEOUT_MS = 5_000

export interface AvahiService {
  name: string
  type: string
  host: string
  address: string
  port: number
  txt: Record<string, string>
}

export interface Avahi {
  /** Runs `avahi-browse -p -r TYPE` until it has resolved the instance `name`. */
  resolve(type: string, name: string): Promise<AvahiService>
  /** `avahi-publish -s NAME TYPE PORT`, running until stop(). */
  publish(name: string, type: string, port: number): Promise<void>
  stop(): Promise<void>
}

/** The avahi tools missing from this machine (empty when the avahi tests can run). */
export function missingAvahiTools(): string[] {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin']
  return TOOLS.filter((tool) => !dirs.some((dir) => dir !== '' && executable(path.join(dir, tool))))
}

export async function startAvahi(ns: Netns): Promise<Avahi> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'corral-avahi-'))
  const bus = path.join(dir, 'bus')
  await writeFile(path.join(dir, 'bus.conf'), busConfig(bus))
  await writeFile(path.join(dir, 'avahi.conf'), AVAHI_CONFIG)
  const env = { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: `unix:path=${bus}` }
  const children: ChildProcess[] = []
  const stop = async (): Promise<void> => {
    // Reverse order: publishers, then avahi (it says goodbye), then the bus.
    for (const child of children.reverse()) await kill(child)
    await rm(dir, { recursive: true, force: true })
  }
  try {
    const dbus = ns.spawn('dbus-daemon', [
      `--config-file=${dir}/bus.conf`,
      '--nofork',
      '--print-address',
    ])
    children.push(dbus)
    await outputMatches(dbus, /unix:path=/, 'dbus-daemon')
    const daemon = ns.spawn(
      'sh',
      [
        '-c',
        `mount -t tmpfs tmpfs /run && exec avahi-daemon -f ${dir}/avahi.conf --no-drop-root --no-chroot --no-rlimits`,
      ],
      { env },
    )
    children.push(daemon)
    await outputMatches(daemon, /Server startup complete/, 'avahi-daemon')
  } catch (err) {
    await stop()
    throw err
  }
  return {
    async resolve(type, name) {
      const child = ns.spawn('avahi-browse', ['-p', '-r', type], { env })
      children.push(child)
      try {
        let found: AvahiService | undefined
        await outputMatches(
          child,
          (output) => {
            found = output
              .split('\n')
              .slice(0, -1) // the last piece may be half a line
              .flatMap((line) => parseResolved(line))
              .find((s) => s.name === name)
            return found !== undefined
          },
          `avahi-browse for ${name}`,
        )
        return found!
      } finally {
        await kill(child)
      }
    },
    async publish(name, type, port) {
      const child = ns.spawn('avahi-publish', ['-s', name, type, String(port)], { env })
      children.push(child)
      await outputMatches(child, /Established/, 'avahi-publish')
    },
    stop,
  }
}

/** `=;lo;IPv4;Name;_type._tcp;local;host.local;127.0.0.1;11435;"a=b" "c=d"` */
function parseResolved(line: string): AvahiService[] {
  if (!line.startsWith('=;')) return []
  const fields = line.split(';')
  const [, , , name, type, , host, address, port] = fields
  const txt: Record<string, string> = {}
  for (const m of fields
    .slice(9)
    .join(';')
    .matchAll(/"((?:[^"\\]|\\.)*)"/g)) {
    const [key, ...value] = (m[1] ?? '').split('=')
    if (key) txt[key] = value.join('=')
  }
  return [
    {
      name: unescape(name ?? ''),
      type: type ?? '',
      host: host ?? '',
      address: address ?? '',
      port: Number(port),
      txt,
    },
  ]
}

/** avahi-browse -p writes some characters as `\DDD` (decimal), e.g. `\032` for a space. */
function unescape(s: string): string {
  return s.replace(/\\(\d{3})/g, (_, code: string) => String.fromCharCode(Number(code)))
}

function outputMatches(
  child: ChildProcess,
  pattern: RegExp | ((output: string) => boolean),
  what: string,
): Promise<void> {
  const matches = typeof pattern === 'function' ? pattern : (o: string) => pattern.test(o)
  return new Promise((resolve, reject) => {
    let output = ''
    const onData = (d: Buffer): void => {
      output += d.toString('utf8')
      if (matches(output)) finish()
    }
    const onExit = (): void => finish(new Error(`${what} exited: ${output.trim()}`))
    const timer = setTimeout(
      () => finish(new Error(`${what} not ready after ${START_TIMEOUT_MS} ms: ${output.trim()}`)),
      START_TIMEOUT_MS,
    )
    const finish = (err?: Error): void => {
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      child.stderr?.off('data', onData)
      child.off('exit', onExit)
      // Keep draining, or a chatty daemon blocks on a full pipe.
      child.stdout?.resume()
      child.stderr?.resume()
      if (err) reject(err)
      else resolve()
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', onExit)
  })
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 2_000)
  await exited
  clearTimeout(timer)
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** A system bus that lets anyone do anything: it lives in a temp dir for one test. */
function busConfig(socket: string): string {
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_type="method_return"/>
    <allow send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="signal"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
  </policy>
</busconfig>
`
}

/** Loopback only, IPv4 only (no ::1 either), nothing published but what the test asks for. */
const AVAHI_CONFIG = `[server]
use-ipv4=yes
use-ipv6=no
allow-interfaces=lo
ratelimit-interval-usec=1000000
ratelimit-burst=1000
[wide-area]
enable-wide-area=no
[publish]
publish-hinfo=no
publish-workstation=no
publish-aaaa-on-ipv4=no
`
