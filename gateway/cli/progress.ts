// Pull progress for `corral serve --pull` and `corral pull`: a redrawn bar on a
// terminal, one line per status change otherwise (logs, containers).
import type { PullJob } from '../backends/pull.js'

const BAR_WIDTH = 24

export function pullProgressPrinter(
  stream: NodeJS.WriteStream = process.stderr,
): (job: PullJob) => void {
  const lastStatus = new Map<string, string>()
  return (job) => {
    if (stream.isTTY) {
      stream.write(`\r\x1b[2K${barLine(job)}`)
      if (job.done) stream.write('\n')
      return
    }
    const line = job.error
      ? `failed: ${job.error}`
      : job.status.startsWith('pulling')
        ? 'downloading'
        : job.status
    if (lastStatus.get(job.id) === line && !job.done) return
    lastStatus.set(job.id, line)
    stream.write(`corral: pull ${job.model} on ${job.backend}: ${line}\n`)
  }
}

/**
 * Pulls on several backends at once (`corral pull --all`): on a terminal, one bar per
 * backend, redrawn in place; otherwise a line per status change, as for one pull.
 */
export function pullBoard(stream: NodeJS.WriteStream = process.stderr): {
  update(jobs: readonly PullJob[]): void
} {
  const lines = pullProgressPrinter(stream)
  let drawn = 0
  return {
    update(jobs) {
      if (!stream.isTTY) return jobs.forEach(lines)
      if (drawn > 0) stream.write(`\x1b[${drawn}A`)
      for (const job of jobs) stream.write(`\r\x1b[2K${barLine(job)}\n`)
      drawn = jobs.length
    },
  }
}

/** `pulling llama3.2 on gpu ████░░░░ 40% 0.80/2.00 GB pulling 6a07…` */
function barLine(job: PullJob): string {
  const pct = job.total > 0 ? job.completed / job.total : job.done && !job.error ? 1 : 0
  const filled = Math.round(pct * BAR_WIDTH)
  const bar = '█'.repeat(filled) + '░'.repeat(BAR_WIDTH - filled)
  const size = job.total > 0 ? ` ${gb(job.completed)}/${gb(job.total)} GB` : ''
  const tail = job.error ? ` failed: ${job.error}` : ` ${job.status}`
  return `pulling ${job.model} on ${job.backend} ${bar} ${Math.round(pct * 100)}%${size}${tail}`
}

function gb(bytes: number): string {
  return (bytes / 1e9).toFixed(2)
}
