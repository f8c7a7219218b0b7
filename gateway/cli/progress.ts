// Pull progress for `corral serve --pull`: a redrawn bar on a terminal,
// one line per status change otherwise (logs, containers).
import type { PullJob } from '../backends/pull.js'

const BAR_WIDTH = 24

export function pullProgressPrinter(
  stream: NodeJS.WriteStream = process.stderr,
): (job: PullJob) => void {
  const lastStatus = new Map<string, string>()
  return (job) => {
    if (stream.isTTY) {
      const pct = job.total > 0 ? job.completed / job.total : job.done && !job.error ? 1 : 0
      const filled = Math.round(pct * BAR_WIDTH)
      const bar = '█'.repeat(filled) + '░'.repeat(BAR_WIDTH - filled)
      const size = job.total > 0 ? ` ${gb(job.completed)}/${gb(job.total)} GB` : ''
      const tail = job.error ? ` failed: ${job.error}` : ` ${job.status}`
      stream.write(
        `\r\x1b[2Kpulling ${job.model} on ${job.backend} ${bar} ${Math.round(pct * 100)}%${size}${tail}`,
      )
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

function gb(bytes: number): string {
  return (bytes / 1e9).toFixed(2)
}
