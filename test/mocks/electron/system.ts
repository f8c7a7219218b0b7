// shell, clipboard and Notification.
import { fork as forkChild, type ChildProcess } from 'node:child_process'
import { EventEmitter } from 'node:events'
import type { Readable } from 'node:stream'

export const shell = {
  opened: [] as string[],
  openExternal(url: string): Promise<void> {
    shell.opened.push(url)
    return Promise.resolve()
  },
  openPath: (p: string) => Promise.resolve(p ? '' : 'no path'),
  shown: [] as string[],
  showItemInFolder(p: string): void {
    shell.shown.push(p)
  },
}

export const clipboard = {
  text: '',
  /** Wayland with no focused surface of the app: writes are lost, without an error. */
  losesWrites: false,
  writeText(t: string): void {
    if (!clipboard.losesWrites) clipboard.text = t
  },
  readText: (): string => clipboard.text,
}

/**
 * A shown notification as the OS holds it: the title and body stay on screen, but the click
 * or action reaches JavaScript only while the Notification object is alive. Electron keeps
 * no strong reference to a shown notification (electron/electron#12690; electron
 * shell/browser/api/electron_api_notification.cc is a gin::Wrappable the JS side owns), so
 * one the app dropped is collected and its handlers never run. `collectGarbage()` runs V8's
 * real garbage collector, so only what the app really holds survives.
 */
export class ShownNotification {
  readonly title: string
  readonly body: string
  readonly options: NotificationOptions
  private readonly ref: WeakRef<Notification>
  constructor(n: Notification) {
    this.title = n.title
    this.body = n.body
    this.options = n.options
    this.ref = new WeakRef(n)
  }
  /** The object, if the app still holds it. */
  deref(): Notification | undefined {
    return this.ref.deref()
  }
  /** What the user's click, button or dismissal does: nothing once the object is gone. */
  emit(event: string, ...args: unknown[]): boolean {
    return this.ref.deref()?.emit(event, ...args) ?? false
  }
}

type NotificationOptions = {
  title?: string
  body?: string
  actions?: { type: string; text?: string }[]
}

export class Notification extends EventEmitter {
  static supported = true
  static shown: ShownNotification[] = []
  static isSupported(): boolean {
    return Notification.supported
  }
  readonly title: string
  readonly body: string
  constructor(readonly options: NotificationOptions = {}) {
    super()
    this.title = options.title ?? ''
    this.body = options.body ?? ''
  }
  show(): void {
    Notification.shown.push(new ShownNotification(this))
    this.emit('show')
  }
  /** Like Electron: dismissing it from the app emits 'close'. */
  close(): void {
    this.emit('close', {})
  }
}

let gc: (() => void) | null = null

/**
 * V8's collector, twice with a turn of the event loop before (a WeakRef read in the current
 * turn is kept alive until it ends). Drops every notification the app no longer holds.
 */
export async function collectGarbage(): Promise<void> {
  if (!gc) {
    const v8 = await import('node:v8')
    const vm = await import('node:vm')
    v8.setFlagsFromString('--expose-gc')
    gc = vm.runInNewContext('gc') as () => void
  }
  for (let i = 0; i < 2; i++) {
    await new Promise((resolve) => setImmediate(resolve))
    gc()
  }
}

/**
 * powerMonitor: 'shutdown' on Linux and macOS, where preventDefault() asks the system to
 * wait (electron docs/api/power-monitor.md). `simulateShutdown()` says whether it was held.
 */
class FakePowerMonitor extends EventEmitter {
  simulateShutdown(): boolean {
    const event = { defaultPrevented: false, preventDefault: () => (event.defaultPrevented = true) }
    this.emit('shutdown', event)
    return event.defaultPrevented
  }
  reset(): void {
    this.removeAllListeners()
  }
}

export const powerMonitor = new FakePowerMonitor()

/**
 * utilityProcess: a Node child process standing in for Electron's service process. What
 * the app relies on is kept: fork(modulePath, args, options), 'spawn', 'message' from the
 * child, postMessage to it, 'exit' with the code, kill(), and `stdio` as Electron takes it:
 * a string ('pipe', 'ignore', 'inherit'; default 'inherit') or an array whose stdin must be
 * 'ignore' (anything else throws, as Electron does); with 'pipe', `stdout` and `stderr` are
 * streams, else null, and null again once the child has exited (docs/api/utility-process.md).
 * The child talks over Node's IPC channel here (process.send), over `process.parentPort`
 * in Electron; gateway/child/main.ts handles both.
 */
type StdioMode = 'pipe' | 'ignore' | 'inherit'

function utilityStdio(option: unknown): [StdioMode, StdioMode] {
  const modes = ['pipe', 'ignore', 'inherit']
  if (option === undefined) return ['inherit', 'inherit']
  if (typeof option === 'string' && modes.includes(option)) {
    return [option as StdioMode, option as StdioMode]
  }
  if (Array.isArray(option) && option[0] === 'ignore' && option.length === 3) {
    const [, out, err] = option as unknown[]
    if (modes.includes(out as string) && modes.includes(err as string)) {
      return [out as StdioMode, err as StdioMode]
    }
  }
  throw new Error(`utilityProcess.fork: unsupported stdio ${JSON.stringify(option)}`)
}

export class UtilityProcess extends EventEmitter {
  static forked: { modulePath: string; args: string[]; options: Record<string, unknown> }[] = []
  pid: number | undefined
  stdout: Readable | null
  stderr: Readable | null
  private readonly child: ChildProcess
  constructor(modulePath: string, args: string[], options: Record<string, unknown>) {
    super()
    UtilityProcess.forked.push({ modulePath, args, options })
    const [out, err] = utilityStdio(options.stdio)
    this.child = forkChild(modulePath, args, {
      stdio: ['ignore', out, err, 'ipc'],
      env: (options.env as NodeJS.ProcessEnv | undefined) ?? process.env,
    })
    this.pid = this.child.pid
    this.stdout = this.child.stdout
    this.stderr = this.child.stderr
    this.child.on('spawn', () => this.emit('spawn'))
    this.child.on('message', (m) => this.emit('message', m))
    this.child.on('exit', (code) => {
      this.pid = undefined
      this.emit('exit', code ?? 1)
      this.stdout = null
      this.stderr = null
    })
  }
  postMessage(message: unknown): void {
    if (this.child.connected) this.child.send(message as object)
  }
  kill(): boolean {
    return this.child.kill()
  }
}

export const utilityProcess = {
  fork: (modulePath: string, args: string[] = [], options: Record<string, unknown> = {}) =>
    new UtilityProcess(modulePath, args, options),
}
