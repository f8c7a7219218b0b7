// A Modelfile read the way Ollama reads it (ollama parser/parser.go, ParseFile and
// parseRuneForState), so the gateway sees the same FROM, ADAPTER and DRAFT values the
// backend will act on: commands in any case, `#` comments, values to the end of the line,
// `"..."` and `"""..."""` values that may span lines, no single quotes (Ollama's TODO).

/** One command: its name lowercased (`from` becomes `model`, as Ollama names it). */
export interface ModelfileCommand {
  name: string
  args: string
}

export class ModelfileError extends Error {}

/** ollama parser/parser.go isValidCommand. */
const COMMANDS = new Set([
  'from',
  'license',
  'template',
  'system',
  'adapter',
  'draft',
  'renderer',
  'parser',
  'parameter',
  'message',
  'requires',
])
const ROLES = new Set(['system', 'user', 'assistant'])

type State = 'nil' | 'name' | 'value' | 'parameter' | 'message' | 'comment'

const isAlpha = (c: string) => /^[A-Za-z]$/.test(c)
const isSpace = (c: string) => c === ' ' || c === '\t'
const isNewline = (c: string) => c === '\r' || c === '\n'
/** Go's strconv.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const isPrint = (c: string) => /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(c)

/**
 * The state after `c` in state `s`, and whether `c` is kept (parseRuneForState returns it, or
 * 0); throws for a character not allowed there.
 */
function nextState(c: string, s: State, line: number): [State, boolean] {
  switch (s) {
    case 'nil':
      if (c === '#') return ['comment', false]
      return isSpace(c) || isNewline(c) ? ['nil', false] : ['name', true]
    case 'name':
      if (isAlpha(c)) return ['name', true]
      if (isSpace(c)) return ['value', false]
      throw new ModelfileError(`(line ${line}): command must be one of ${[...COMMANDS].join(', ')}`)
    case 'value':
      return [isNewline(c) || isSpace(c) ? 'nil' : 'value', true]
    case 'parameter':
      if (isAlpha(c) || /^[0-9_]$/.test(c)) return ['parameter', true]
      if (isSpace(c)) return ['value', false]
      throw new ModelfileError(`(line ${line}): unexpected end of a PARAMETER name`)
    case 'message':
      if (isAlpha(c)) return ['message', true]
      if (isSpace(c)) return ['value', false]
      throw new ModelfileError(`(line ${line}): unexpected end of a MESSAGE role`)
    case 'comment':
      return [isNewline(c) ? 'nil' : 'comment', false]
  }
}

/** ollama parser/parser.go unquote: `"""x"""` and `"x"` lose their quotes; unclosed is not ok. */
function unquote(s: string): string | null {
  if (s.startsWith('"""')) return s.length >= 6 && s.endsWith('"""') ? s.slice(3, -3) : null
  if (s.startsWith('"')) return s.length >= 2 && s.endsWith('"') ? s.slice(1, -1) : null
  return s
}

/** The commands of a Modelfile; throws ModelfileError where Ollama's parser fails. */
export function parseModelfile(text: string): ModelfileCommand[] {
  const commands: ModelfileCommand[] = []
  let state: State = 'nil'
  let buf = ''
  let name = ''
  let role = ''
  let line = 1
  for (const c of text.replace(/^\uFEFF/, '')) {
    if (isNewline(c)) line++
    const step = nextState(c, state, line)
    let next = step[0]
    if (next !== state) {
      if (state === 'name') {
        const command = buf.toLowerCase()
        if (!COMMANDS.has(command)) {
          throw new ModelfileError(`(line ${line}): "${buf.slice(0, 40)}" is not a command`)
        }
        if (command === 'parameter') next = 'parameter'
        else if (command === 'message') next = 'message'
        name = command === 'from' ? 'model' : command
      } else if (state === 'parameter') {
        name = buf
      } else if (state === 'message') {
        if (!ROLES.has(buf)) {
          throw new ModelfileError(`(line ${line}): message role must be system, user or assistant`)
        }
        role = buf
      } else if (state === 'value') {
        const value = unquote(buf.trim())
        // Not the end of the value yet: a space inside it, or a quote still open.
        if (value === null || isSpace(c)) {
          buf += c
          continue
        }
        commands.push({ name, args: role === '' ? value : `${role}: ${value}` })
        role = ''
      }
      buf = ''
      state = next
    }
    if (step[1] && isPrint(c)) buf += c
  }
  if (state === 'value') {
    const value = unquote(buf.trim())
    if (value === null) throw new ModelfileError('unexpected end of the Modelfile: a quote is open')
    commands.push({ name, args: role === '' ? value : `${role}: ${value}` })
  } else if (state !== 'nil' && state !== 'comment') {
    throw new ModelfileError('unexpected end of the Modelfile')
  }
  if (!commands.some((c) => c.name === 'model')) throw new ModelfileError('no FROM line')
  return commands
}
