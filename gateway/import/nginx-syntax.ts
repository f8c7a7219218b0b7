// A small reader for nginx configuration syntax: words (quoted or not), `;`-terminated
// statements, `{}` blocks and `#` comments, with line numbers. It follows nginx's own rules
// where they matter for keys: `#` starts a comment only at the start of a word, quotes only at
// the start of a word, and `\"`, `\'`, `\\` are unescaped inside words.

export interface Word {
  text: string
  quoted: boolean
  line: number
}

export interface Statement {
  words: Word[]
  line: number
  /** Children when the statement opens a `{ }` block. */
  block?: Statement[]
  /** A `#` comment on the same line, after the statement (without `#`). */
  comment?: string
}

export interface SyntaxProblem {
  line: number
  message: string
}

export interface ParsedNginx {
  statements: Statement[]
  problems: SyntaxProblem[]
}

const ESCAPES: Record<string, string> = {
  '"': '"',
  "'": "'",
  '\\': '\\',
  t: '\t',
  r: '\r',
  n: '\n',
}

class Reader {
  private i = 0
  line = 1
  readonly problems: SyntaxProblem[] = []

  constructor(private readonly text: string) {}

  /** Reads statements until `}` (inside a block) or the end of the text. */
  readStatements(depth: number): Statement[] {
    const out: Statement[] = []
    let words: Word[] = []
    let last: Statement | undefined
    let lastLine = -1
    const finish = (block?: Statement[]): void => {
      const first = words[0]
      if (first === undefined) return
      const s: Statement = { words, line: first.line }
      if (block !== undefined) s.block = block
      out.push(s)
      last = s
      lastLine = this.line
      words = []
    }
    while (this.i < this.text.length) {
      const ch = this.text[this.i] ?? ''
      if (ch === '\n') {
        this.line++
        this.i++
      } else if (/\s/.test(ch)) {
        this.i++
      } else if (ch === '#') {
        const comment = this.readLineRest()
        if (words.length === 0 && last !== undefined && lastLine === this.line) {
          last.comment = comment.trim()
        }
      } else if (ch === ';') {
        this.i++
        if (words.length === 0) this.problems.push({ line: this.line, message: 'stray ";"' })
        finish()
      } else if (ch === '{') {
        this.i++
        const opened = this.line
        if (words.length === 0) words.push({ text: '', quoted: false, line: opened })
        const children = this.readStatements(depth + 1)
        finish(children)
        last = undefined
      } else if (ch === '}') {
        this.i++
        if (depth > 0) {
          this.flushUnterminated(words)
          finish()
          return out
        }
        this.problems.push({ line: this.line, message: 'unexpected "}"' })
      } else {
        const word = this.readWord()
        if (word === null) words = []
        else words.push(word)
      }
    }
    this.flushUnterminated(words)
    if (words.length > 0) finish()
    if (depth > 0) this.problems.push({ line: this.line, message: 'a "{" block is never closed' })
    return out
  }

  private flushUnterminated(words: Word[]): void {
    const first = words[0]
    if (first !== undefined) {
      this.problems.push({ line: first.line, message: 'statement does not end with ";"' })
    }
  }

  private readLineRest(): string {
    const end = this.text.indexOf('\n', this.i)
    const stop = end === -1 ? this.text.length : end
    const rest = this.text.slice(this.i + 1, stop)
    this.i = stop
    return rest
  }

  /** One word; null when a quote is not closed on its line (the rest of the line is dropped). */
  private readWord(): Word | null {
    const line = this.line
    const quote = this.text[this.i]
    if (quote === '"' || quote === "'") {
      let out = ''
      for (let j = this.i + 1; j < this.text.length; j++) {
        const c = this.text[j] ?? ''
        if (c === '\n') break
        if (c === '\\' && j + 1 < this.text.length && this.text[j + 1] !== '\n') {
          const next = this.text[j + 1] ?? ''
          out += ESCAPES[next] ?? `\\${next}`
          j++
        } else if (c === quote) {
          this.i = j + 1
          return { text: out, quoted: true, line }
        } else {
          out += c
        }
      }
      this.problems.push({ line, message: `unterminated ${quote} quote; line skipped` })
      this.readLineRest()
      return null
    }
    let out = ''
    while (this.i < this.text.length) {
      const c = this.text[this.i] ?? ''
      if (/\s/.test(c) || c === ';' || c === '{' || c === '}') break
      if (c === '\\' && this.i + 1 < this.text.length && !/\s/.test(this.text[this.i + 1] ?? ' ')) {
        const next = this.text[this.i + 1] ?? ''
        out += ESCAPES[next] ?? `\\${next}`
        this.i += 2
      } else {
        out += c
        this.i++
      }
    }
    return { text: out, quoted: false, line }
  }
}

/** Reads nginx-syntax text into statements; never throws, problems are reported with lines. */
export function parseNginxSyntax(text: string): ParsedNginx {
  const reader = new Reader(text.replace(/\r\n?/g, '\n'))
  const statements = reader.readStatements(0)
  return { statements, problems: reader.problems }
}
