// How many requests begin their way through the pipeline in one turn of the event loop.
//
// A burst of chats (a team after a meeting) arrives on many connections at once, and one
// poll of the event loop hands Node all of them. Without a budget, every request is read,
// checked and sent to a backend before the gateway reads a single answer: the first
// answers wait in their sockets for the whole burst's admission, and so does every token
// of the streams already running. With a budget, `TURN_BUDGET` requests go on in a turn
// and the rest wait, in the order they came, for the next turns; between two turns the
// loop polls, so the backends' answers and tokens go out as they come (bench/README.md,
// "Admission in turns").
//
// A waiting request is let go in the loop's check phase (setImmediate), never on a timer:
// an idle gateway serves a lone request at once.

/**
 * Requests a turn of the event loop lets begin; the rest go on in later turns. Four, from
 * A/Bs of 4, 8 and 16 (bench/README.md): the most for a burst's first byte and its tokens,
 * for at most a tenth of the requests a second of small requests kept saturated.
 */
export const TURN_BUDGET = 4

export class TurnBudget {
  private started = 0
  private scheduled = false
  private waiting: Array<() => void> = []
  private readonly release = (): void => this.nextTurn()

  constructor(private readonly perTurn = TURN_BUDGET) {
    if (!(perTurn >= 1)) throw new RangeError('a turn must let at least one request begin')
  }

  /** Requests waiting for a later turn. */
  get queued(): number {
    return this.waiting.length
  }

  /** True: the request goes on now. False: hand `defer` what it does when its turn comes. */
  enter(): boolean {
    this.schedule()
    if (this.started < this.perTurn && this.waiting.length === 0) {
      this.started++
      return true
    }
    return false
  }

  /** Runs `go` in a later turn, after every request that was deferred before it. */
  defer(go: () => void): void {
    this.waiting.push(go)
    this.schedule()
  }

  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(this.release)
  }

  private nextTurn(): void {
    this.scheduled = false
    const waiting = this.waiting
    const n = Math.min(this.perTurn, waiting.length)
    this.started = n
    if (n === 0) return
    // The rest wait for the next turn: this one's poll comes first.
    this.waiting = n === waiting.length ? [] : waiting.slice(n)
    this.schedule()
    for (let i = 0; i < n; i++) waiting[i]!()
  }
}
