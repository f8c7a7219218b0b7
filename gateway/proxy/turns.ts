// How many requests begin their way through the pipeline in one turn of the event loop.
//
// A burst of chats (a team after a meeting) arrives on many connections at once, and one
// poll of the event loop hands Node all of them. Without a budget, every request is read,
// checked and sent to a backend before the gateway reads a single answer: the first
// answers wait in their sockets for the whole burst's admission, and so does every token
// of the streams already running. With a budget, `TURN_BUDGET` requests go on in a turn
// (a pass of the loop: its poll, then its check phase) and the rest wait, in the order they
// came, for the next turns; between two turns the loop polls, so the backends' answers and
// tokens go out as they come (bench/README.md, "Admission in turns").
//
// A waiting request is let go in the loop's check phase (setImmediate), never on a timer:
// an idle gateway serves a lone request at once.

/**
 * Requests a pass of the event loop lets begin (its poll and its check phase together); the
 * rest go on in later passes. Four, from A/Bs of 4, 8 and 16 (bench/README.md): the most for
 * a burst's first byte and its tokens, for about a tenth (11 %) of the requests a second of
 * small requests kept saturated.
 */
export const TURN_BUDGET = 4

export class TurnBudget {
  /** Requests begun in this pass of the loop (since the last check phase). */
  private started = 0
  private scheduled = false
  /** The check phase is letting waiting requests go: anyone asking now waits its turn. */
  private releasing = false
  private readonly waiting: Array<() => void> = []
  private readonly release = (): void => this.nextTurn()

  constructor(
    /** Told of a deferred request's callback that threw; the others of its turn go on. */
    private readonly onError: (err: unknown) => void,
    private readonly perTurn = TURN_BUDGET,
  ) {
    if (!(perTurn >= 1)) throw new RangeError('a turn must let at least one request begin')
  }

  /** Requests waiting for a later turn. */
  get queued(): number {
    return this.waiting.length
  }

  /** True: the request goes on now. False: hand `defer` what it does when its turn comes. */
  enter(): boolean {
    if (this.started < this.perTurn && this.waiting.length === 0 && !this.releasing) {
      this.started++
      this.schedule()
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

  /**
   * The check phase: the waiting requests go on, as many as the budget has left after the
   * ones that began in this pass's poll (no poll comes between the two). The next pass
   * starts a new budget.
   */
  private nextTurn(): void {
    this.scheduled = false
    const n = Math.min(this.perTurn - this.started, this.waiting.length)
    this.started = 0
    if (this.waiting.length === 0) return
    // What is left waits for the next pass: its poll comes first.
    this.schedule()
    if (n <= 0) return
    // Taken off the front in place: the rest of a long queue is not copied every turn.
    const turn = this.waiting.splice(0, n)
    this.releasing = true
    for (const go of turn) {
      try {
        go()
      } catch (err) {
        this.onError(err)
      }
    }
    this.releasing = false
  }
}
