// Where a JSON text first goes wrong, as a line number for people: V8's messages give a
// position for some errors and only a snippet for others, so the text is scanned here.

/** The 1-based line of the first syntax error in `text`; null when it parses. */
export function jsonErrorLine(text: string): number | null {
  const at = firstErrorOffset(text)
  return at === null ? null : text.slice(0, at).split('\n').length
}

function firstErrorOffset(text: string): number | null {
  let i = 0
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i]!)) i++
  }
  const fail = (): never => {
    throw i
  }
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length
    else fail()
  }
  const string = () => {
    i++ // the opening quote
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\n') fail()
      i += text[i] === '\\' ? 2 : 1
    }
    if (i >= text.length) fail()
    i++
  }
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400))
    if (!m) fail()
    i += m![0].length
  }
  const value = (): void => {
    ws()
    const c = text[i]
    if (c === '{') return container('}', true)
    if (c === '[') return container(']', false)
    if (c === '"') return string()
    if (c === 't') return literal('true')
    if (c === 'f') return literal('false')
    if (c === 'n') return literal('null')
    return number()
  }
  const container = (close: string, object: boolean): void => {
    i++
    ws()
    if (text[i] === close) return void i++
    for (;;) {
      if (object) {
        ws()
        if (text[i] !== '"') fail()
        string()
        ws()
        if (text[i] !== ':') fail()
        i++
      }
      value()
      ws()
      if (text[i] === ',') {
        i++
        continue
      }
      if (text[i] === close) return void i++
      fail()
    }
  }
  try {
    value()
    ws()
    if (i < text.length) fail()
    return null
  } catch (at) {
    if (typeof at === 'number') return Math.min(at, text.length)
    throw at
  }
}
