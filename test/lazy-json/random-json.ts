// Random JSON object texts written the many ways a client may write them: any spacing, number
// spellings JSON.stringify never makes (1E+5, -0.0e-0), escapes of every kind, repeated names,
// chat-shaped members with content parts. Seeded (test/support/fuzz.ts), so failures replay.
import { int, pick, rng, type Rand } from '../support/fuzz.js'

export { rng }

const SPACES = ['', '', '', ' ', '\n', '\t', '\r\n  ', '  ']
const space = (r: Rand) => pick(r, SPACES)

const NAMES = [
  'model',
  'messages',
  'content',
  'text',
  'thinking',
  'role',
  'prompt',
  'options',
  'stream',
  '__proto__',
  '1',
  '0',
  'x',
  'mod\\u0065l',
  'é',
  '中文',
  '\\"',
  '\\\\',
  '',
  'constructor',
]

const PIECES = [
  'a',
  'hello world',
  'é',
  '中文',
  '😀',
  '\\"',
  '\\\\',
  '\\/',
  '\\b',
  '\\f',
  '\\n',
  '\\r',
  '\\t',
  '\\u0041',
  '\\ud83d\\ude00',
  '\\ud800',
  '\\u00e9',
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '\u007f',
  '\u2028',
]

function stringText(r: Rand, long = false): string {
  let s = ''
  const n = long ? 50 + int(r, 400) : int(r, 6)
  for (let i = 0; i < n; i++) s += pick(r, PIECES)
  return `"${s}"`
}

function numberText(r: Rand): string {
  const sign = r() < 0.3 ? '-' : ''
  const whole = r() < 0.2 ? '0' : String(1 + int(r, 9)) + '0123456789'.slice(0, int(r, 22))
  const frac = r() < 0.3 ? '.' + String(int(r, 100000)) : ''
  const exp = r() < 0.2 ? pick(r, ['e', 'E']) + pick(r, ['', '+', '-']) + String(int(r, 40)) : ''
  return sign + whole + frac + exp
}

function valueText(r: Rand, depth: number): string {
  const roll = depth > 4 ? r() * 0.6 : r()
  if (roll < 0.25) return stringText(r, r() < 0.1)
  if (roll < 0.4) return numberText(r)
  if (roll < 0.5) return pick(r, ['true', 'false', 'null'])
  if (roll < 0.75) return arrayText(r, depth + 1)
  return objectText(r, depth + 1)
}

function arrayText(r: Rand, depth: number): string {
  const items: string[] = []
  for (let i = int(r, 5); i > 0; i--) items.push(space(r) + valueText(r, depth) + space(r))
  return `[${items.join(',') || space(r)}]`
}

function objectText(r: Rand, depth: number): string {
  const members: string[] = []
  for (let i = int(r, 6); i > 0; i--) {
    const name = r() < 0.7 ? `"${pick(r, NAMES)}"` : stringText(r)
    members.push(`${space(r)}${name}${space(r)}:${space(r)}${valueText(r, depth)}${space(r)}`)
  }
  return `{${members.join(',') || space(r)}}`
}

/** A chat message list: content as a string or as parts, sometimes with thinking. */
function messagesText(r: Rand): string {
  const items: string[] = []
  for (let i = 1 + int(r, 6); i > 0; i--) {
    const content =
      r() < 0.7
        ? stringText(r, true)
        : `[{"type":"text","text":${stringText(r, true)}},{"type":"image_url","image_url":{"url":"data:x"}}]`
    const thinking = r() < 0.2 ? `,"thinking":${stringText(r)}` : ''
    items.push(`{"role":"user",${space(r)}"content":${content}${thinking}}`)
  }
  return `[${items.join(',')}]`
}

/** One random body: mostly a chat-shaped object, sometimes anything at all. */
export function randomBody(r: Rand): string {
  if (r() < 0.1) return space(r) + valueText(r, 0) + space(r)
  const members = [`"model":${stringText(r)}`]
  if (r() < 0.7) members.push(`"messages":${space(r)}${messagesText(r)}`)
  if (r() < 0.3) members.push(`"prompt":${stringText(r, true)}`)
  if (r() < 0.3) members.push(`"options":${objectText(r, 1)}`)
  for (let i = int(r, 4); i > 0; i--) members.push(`"${pick(r, NAMES)}":${valueText(r, 1)}`)
  for (let i = members.length - 1; i > 0; i--) {
    const j = int(r, i + 1)
    ;[members[i], members[j]] = [members[j]!, members[i]!]
  }
  return `${space(r)}{${space(r)}${members.join(`${space(r)},${space(r)}`)}${space(r)}}${space(r)}`
}
