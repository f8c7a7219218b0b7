// The gateway child's entry: runs the gateway the way the desktop app does (app-gateway.ts)
// off the app's main thread. Electron starts it with utilityProcess.fork, which gives it
// `process.parentPort` (electron docs/api/utility-process.md, docs/api/parent-port.md);
// a Node parent uses child_process.fork and its IPC channel (process.send). It reports
// 'ready' with the control URL and token, stops cleanly on 'stop' (streams finish,
// stats flushed, mDNS withdrawn, control.json removed), and exits.
//
// Arguments: --data-dir DIR [--ui-dir DIR] [--no-watch]
import { createLogger } from '../util/logger.js'
import { startGateway, messageOf } from './app-gateway.js'
import { closeBounded, HARD_LIMIT_AFTER_GRACE_MS } from './close.js'
import { endSessionNow } from './session-end.js'
import { isParentMessage, type ChildMessage, type ParentMessage } from './protocol.js'

interface ParentPort {
  postMessage(m: unknown): void
  on(event: 'message', fn: (e: { data: unknown }) => void): void
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort

function send(m: ChildMessage): void {
  if (parentPort) parentPort.postMessage(m)
  else process.send?.(m)
}

function onParentMessage(fn: (m: ParentMessage) => void): void {
  const accept = (m: unknown) => {
    if (isParentMessage(m)) fn(m)
  }
  if (parentPort) parentPort.on('message', (e) => accept(e.data))
  else process.on('message', accept)
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name)
  return i === -1 ? undefined : process.argv[i + 1]
}

async function run(): Promise<void> {
  const logger = createLogger({ name: 'corral-gateway' })
  const dataDir = arg('--data-dir')
  if (!dataDir) {
    send({ type: 'failed', error: 'The gateway child needs --data-dir.' })
    process.exit(2)
  }
  const uiDir = arg('--ui-dir')
  const started = await startGateway({
    dataDir,
    logger,
    ...(uiDir ? { uiDir } : {}),
    watchConfig: !process.argv.includes('--no-watch'),
  })
  const running = started.running
  if (!running) {
    send({ type: 'failed', error: started.error ?? 'Corral could not start.' })
    process.exit(1)
  }
  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    // Bounded: an open UI's live feed would otherwise hold the control listener open.
    closeBounded(running, logger)
      .catch((err: unknown) => logger.error(`Stopping the gateway: ${messageOf(err)}`))
      .finally(() => {
        send({ type: 'stopped' })
        process.exit(0)
      })
  }
  const endSession = () => {
    if (stopping) return
    stopping = true
    void endSessionNow(running, logger).finally(() => {
      send({ type: 'stopped' })
      process.exit(0)
    })
  }
  onParentMessage((m) => (m.type === 'session-end' ? endSession() : stop()))
  process.on('SIGTERM', stop)
  // The parent went away without asking (crashed, killed): stop rather than linger.
  process.on('disconnect', stop)
  send({
    type: 'ready',
    controlUrl: running.controlUrl,
    token: running.token,
    gatewayPort: running.gatewayPort(),
    error: started.error,
    stopLimitMs: running.corral.config.server.shutdownGraceMs + HARD_LIMIT_AFTER_GRACE_MS,
  })
}

run().catch((err: unknown) => {
  send({ type: 'failed', error: messageOf(err) })
  process.exit(1)
})
