// The gateway child as a plain Node child process (tests, the bench, `corral` itself if it
// ever needs it). The desktop app uses Electron's utilityProcess instead
// (electron/gateway-host.ts); both give the supervisor the same ChildHandle.
import { fork } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ChildHandle } from './supervisor.js'

/** dist/gateway/child/main.js, beside this file once built. */
export const CHILD_ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'main.js')

export function forkNodeChild(
  args: string[],
  opts: { entry?: string; env?: NodeJS.ProcessEnv; silent?: boolean } = {},
): ChildHandle {
  const child = fork(opts.entry ?? CHILD_ENTRY, args, {
    env: opts.env ?? process.env,
    stdio: opts.silent
      ? ['ignore', 'ignore', 'ignore', 'ipc']
      : ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  return {
    pid: child.pid,
    postMessage: (m) => {
      if (child.connected) child.send(m)
    },
    onMessage: (fn) => void child.on('message', fn),
    onExit: (fn) => {
      if (child.exitCode !== null || child.signalCode !== null) fn(child.exitCode)
      else child.once('exit', (code) => fn(code))
    },
    kill: () => void child.kill('SIGKILL'),
  }
}
