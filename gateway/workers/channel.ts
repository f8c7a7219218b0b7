// One IPC channel between a cluster's primary and a worker: messages sent in one event-loop
// turn go as one batch (one write, one structured clone), which is what keeps the IPC cost
// per request small when many requests are in flight.

/** What a channel sends through: process (in a worker) or a cluster Worker (in the primary). */
export interface Port {
  send(message: unknown): unknown
  on(event: 'message', listener: (message: unknown) => void): unknown
}

const DEBUG = process.env.CORRAL_IPC_DEBUG === '1'
const stats = { batches: 0, messages: 0 }
if (DEBUG) {
  setInterval(() => {
    process.stderr.write(
      `ipc ${process.pid}: ${stats.batches} batches ${stats.messages} messages\n`,
    )
  }, 2000).unref()
}

export class Channel<Out, In> {
  private queue: Out[] = []
  private scheduled = false
  private closed = false

  constructor(
    private readonly port: Port,
    onMessage: (message: In) => void,
  ) {
    port.on('message', (batch) => {
      if (!Array.isArray(batch)) return
      if (DEBUG) {
        stats.batches++
        stats.messages += batch.length
      }
      for (const message of batch as In[]) onMessage(message)
    })
  }

  send(message: Out): void {
    if (this.closed) return
    this.queue.push(message)
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(this.flush)
  }

  /** Nothing more is sent (the other side is gone). */
  close(): void {
    this.closed = true
    this.queue = []
  }

  private readonly flush = (): void => {
    this.scheduled = false
    const batch = this.queue
    this.queue = []
    if (batch.length === 0 || this.closed) return
    try {
      this.port.send(batch)
    } catch {
      // The other side went away; its exit is handled where the process is watched.
      this.closed = true
    }
  }
}
