// `corral pull MODEL [--all | --backend ID...]`: make a model present on one backend,
// some, or every one, with a progress bar per backend. Through the running server when
// there is one (its pulls show in the UI too), else straight to the configured backends.
import type { PullJob } from '../backends/pull.js'
import { CliError, openStore, type CliContext, type ControlClient } from './context.js'
import { serverFor } from './other-folder.js'
import type { Flags } from './keys.js'
import { pullBoard } from './progress.js'

const POLL_MS = 300
const USAGE = 'pull MODEL [--all | --backend ID|NAME ...]'

interface BackendRow {
  id: string
  name: string
  enabled: boolean
  state: string
}

/** Where the pulls run: the server's pull manager, or one made here for this command. */
interface PullSource {
  start(model: string, backend?: string): Promise<PullJob>
  jobs(): Promise<PullJob[]>
  /** Backends to pull on for --all: enabled and not known to be down. */
  all(): Promise<BackendRow[]>
  close(): Promise<void>
}

export async function pullCommand(ctx: CliContext, model: string | undefined, flags: Flags) {
  if (!model) throw new CliError(`usage: corral ${USAGE}`, 2)
  const named = (flags.backend as string[] | undefined) ?? []
  const all = flags.all === true
  if (all && named.length > 0) throw new CliError('give --all or --backend, not both', 2)
  const server = await serverFor(ctx)
  const source = server ? serverSource(server) : await localSource(ctx)
  try {
    const targets = all ? (await source.all()).map((b) => b.id) : named
    if (all && targets.length === 0) throw new CliError('no backend is up')
    const started =
      targets.length === 0
        ? [await source.start(model)]
        : await Promise.all(targets.map((id) => source.start(model, id)))
    const ids = new Set(started.map((j) => j.id))
    // Progress goes to stderr, so --json leaves stdout to the result.
    const board = pullBoard()
    let jobs = started
    for (;;) {
      board.update(jobs)
      if (jobs.every((j) => j.done)) break
      await new Promise((r) => setTimeout(r, POLL_MS))
      jobs = (await source.jobs()).filter((j) => ids.has(j.id))
    }
    const failed = jobs.filter((j) => j.error !== null)
    if (ctx.json) ctx.out(JSON.stringify(jobs))
    else if (failed.length === 0)
      ctx.out(`${model} is on ${jobs.map((j) => j.backend).join(', ')}.`)
    if (failed.length > 0) {
      throw new CliError(failed.map((j) => `${j.backend}: ${j.error}`).join('; '))
    }
  } finally {
    await source.close()
  }
}

function serverSource(server: ControlClient): PullSource {
  return {
    start: (model, backend) =>
      server.call<PullJob>('POST', '/control/pull', backend ? { model, backend } : { model }),
    jobs: () => server.get<PullJob[]>('/control/pulls'),
    all: async () =>
      (await server.get<{ backends: BackendRow[] }>('/control/backends')).backends.filter(
        (b) => b.enabled && b.state !== 'down' && b.state !== 'disabled',
      ),
    close: async () => {},
  }
}

/** No server runs: pull with a pull manager of our own over the configured backends. */
async function localSource(ctx: CliContext): Promise<PullSource> {
  const [{ BackendPool }, { PullManager, PullError }, { createUpstreamAgent }] = await Promise.all([
    import('../backends/pool.js'),
    import('../backends/pull.js'),
    import('../proxy/forward.js'),
  ])
  const store = openStore(ctx)
  const pool = new BackendPool()
  pool.sync(store.current.backends)
  store.close()
  const agent = createUpstreamAgent()
  const pulls = new PullManager(pool, agent, ctx.logger)
  const start = async (model: string, backend?: string) => {
    try {
      return { ...pulls.start(model, backend) }
    } catch (err) {
      if (err instanceof PullError) throw new CliError(err.message)
      throw err
    }
  }
  return {
    start,
    jobs: async () => pulls.list().map((j) => ({ ...j })),
    all: async () =>
      pool
        .list()
        .filter((b) => b.record.enabled)
        .map((b) => ({ id: b.id, name: b.record.name, enabled: true, state: b.state })),
    close: () => agent.close(),
  }
}
