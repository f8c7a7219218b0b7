// nginx files from the nginx gateway: `api_keys.conf` (the body of a `map $http_authorization`
// block, or the whole map) and `upstream_ollama.conf` (the body of an `upstream` block, or the
// whole block). One walker reads both, so a file holding both kinds of lines loses nothing.
import { addBackend } from './backend-url.js'
import { addKey } from './keys.js'
import { parseNginxSyntax, type Statement } from './nginx-syntax.js'
import { emptyPlan, note, type ImportPlan, type SourceLocation } from './types.js'

type Kind = 'keys' | 'upstream' | 'other'

interface Walk {
  plan: ImportPlan
  file: string
  upstreams: string[]
  ignoredOther: number
}

/** A `map` whose source is a header carrying a key. `$http_upgrade` and friends are not. */
const KEY_MAP_SOURCE = /^\$http_(authorization|[a-z0-9_]*(key|token|auth)[a-z0-9_]*)$/i

const MAX_WEIGHT = 100
const MAX_CAPACITY = 1024

const UPSTREAM_DIRECTIVES: Record<string, string> = {
  least_conn: 'Corral already sends each request to the backend with the fewest in flight',
  ip_hash: 'Corral does not pin clients to backends',
  hash: 'Corral does not pin clients to backends',
  random: 'Corral balances by requests in flight',
  sticky: 'Corral does not pin clients to backends',
  keepalive: 'Corral keeps its own connection pool',
  keepalive_requests: 'Corral keeps its own connection pool',
  keepalive_time: 'Corral keeps its own connection pool',
  keepalive_timeout: 'Corral keeps its own connection pool',
  zone: 'not needed in Corral',
  resolver: 'Corral resolves host names itself',
  resolver_timeout: 'Corral resolves host names itself',
  queue: 'Corral queues requests per key (the fair queue)',
  ntlm: 'not supported',
}

/** Reads an nginx key map and/or upstream list. `format` decides what bare lines mean. */
export function parseNginx(
  file: string,
  text: string,
  format: 'nginx-keys' | 'nginx-upstreams',
): ImportPlan {
  const plan = emptyPlan()
  const parsed = parseNginxSyntax(text)
  for (const p of parsed.problems) note(plan, 'warn', { file, line: p.line }, p.message)
  const w: Walk = { plan, file, upstreams: [], ignoredOther: 0 }
  walk(w, parsed.statements, format === 'nginx-keys' ? 'keys' : 'upstream', true, true)
  if (w.upstreams.length > 1) {
    note(
      plan,
      'warn',
      { file },
      `servers of every upstream block were imported: ${w.upstreams.join(', ')}`,
    )
  }
  if (w.ignoredOther > 0) {
    note(
      plan,
      'info',
      { file },
      `${w.ignoredOther} other nginx directive(s) ignored (only key maps and upstream servers are imported)`,
    )
  }
  return plan
}

function walk(w: Walk, statements: Statement[], kind: Kind, bearer: boolean, top: boolean): void {
  for (const s of statements) {
    const first = s.words[0]
    if (first === undefined) continue
    const at = { file: w.file, line: s.line }
    const bare = first.quoted ? '' : first.text
    if (s.block !== undefined) {
      openBlock(w, s, at)
    } else if (bare === 'include') {
      note(
        w.plan,
        'warn',
        at,
        `include ${s.words[1]?.text ?? ''} not followed: import that file too`,
      )
    } else if (kind !== 'other' && bare === 'server' && !(kind === 'keys' && !top)) {
      serverEntry(w, s, at)
    } else if (kind === 'keys' || (top && looksLikeKeyEntry(s))) {
      keyEntry(w, s, at, bearer)
    } else if (kind === 'upstream') {
      upstreamDirective(w, bare || first.text, at)
    } else {
      w.ignoredOther++
    }
  }
}

function openBlock(w: Walk, s: Statement, at: SourceLocation): void {
  const name = s.words[0]?.quoted === false ? s.words[0].text : ''
  const block = s.block ?? []
  if (name === 'map') {
    const source = s.words[1]?.text ?? ''
    if (s.words.length === 3 && KEY_MAP_SOURCE.test(source)) {
      walk(w, block, 'keys', /^\$http_authorization$/i.test(source), false)
    } else {
      note(w.plan, 'info', at, `map ${source} ignored: not a map of API keys`)
    }
  } else if (name === 'upstream') {
    w.upstreams.push(s.words[1]?.text ?? '')
    walk(w, block, 'upstream', true, false)
  } else {
    walk(w, block, 'other', true, false)
  }
}

function looksLikeKeyEntry(s: Statement): boolean {
  const [a, b, c] = s.words
  if (a === undefined || b === undefined) return false
  if (s.words.length === 2) return a.quoted
  return s.words.length === 3 && !a.quoted && /^bearer$/i.test(a.text) && c !== undefined
}

function keyEntry(w: Walk, s: Statement, at: SourceLocation, bearer: boolean): void {
  const [a, b, c] = s.words
  if (a === undefined) return
  if (!a.quoted && s.words.length === 1 && (a.text === 'hostnames' || a.text === 'volatile')) return
  if (!a.quoted && a.text === 'default') return
  let secret: string
  let value: string
  let hadBearer: boolean
  if (s.words.length === 3 && !a.quoted && /^bearer$/i.test(a.text) && b && c) {
    secret = b.text
    value = c.text
    hadBearer = true
  } else if (s.words.length === 2 && b) {
    if (a.text.startsWith('~')) {
      note(
        w.plan,
        'warn',
        at,
        'skipped a regular-expression map entry: only literal keys can be imported',
      )
      return
    }
    hadBearer = /^bearer /i.test(a.text)
    secret = hadBearer ? a.text.slice('Bearer '.length) : a.text
    value = b.text
  } else {
    note(w.plan, 'warn', at, 'line not understood as a key entry (expected: "Bearer <key>" 1;)')
    return
  }
  if (value === '0' || value === '') {
    note(
      w.plan,
      'info',
      at,
      `key not imported: its value is "${value}", which nginx treats as not authorized`,
    )
    return
  }
  if (value !== '1') {
    note(
      w.plan,
      'info',
      at,
      `value "${value}" taken as authorized (nginx treats anything but "" and "0" as true)`,
    )
  }
  if (bearer && !hadBearer) {
    note(
      w.plan,
      'info',
      at,
      'no "Bearer " prefix: clients sent the key as the whole Authorization header, which Corral also accepts',
    )
  }
  addKey(w.plan, secret, 'nginx-keys', at)
}

function upstreamDirective(w: Walk, name: string, at: SourceLocation): void {
  const why = Object.hasOwn(UPSTREAM_DIRECTIVES, name) ? UPSTREAM_DIRECTIVES[name] : undefined
  if (why !== undefined) note(w.plan, 'info', at, `${name} ignored: ${why}`)
  else note(w.plan, 'warn', at, `unknown directive "${name}" ignored`)
}

interface ServerParams {
  weight?: number
  capacity?: number
  enabled?: boolean
}

function serverEntry(w: Walk, s: Statement, at: SourceLocation): void {
  const address = s.words[1]?.text
  if (address === undefined) {
    note(w.plan, 'warn', at, 'server line without an address skipped')
    return
  }
  if (address.startsWith('unix:')) {
    note(w.plan, 'warn', at, `skipped backend ${address}: Unix sockets are not supported`)
    return
  }
  const params: ServerParams = {}
  for (const word of s.words.slice(2)) serverParam(w, word.text, params, at)
  addBackend(w.plan, address, 'nginx-upstreams', at, {
    ...params,
    ...(s.comment ? { name: s.comment } : {}),
  })
}

function serverParam(w: Walk, param: string, out: ServerParams, at: SourceLocation): void {
  const [name = '', value] = param.split('=', 2)
  const n = value !== undefined && /^\d+$/.test(value) ? Number(value) : NaN
  if (name === 'weight' && n >= 1) {
    if (n > MAX_WEIGHT)
      note(w.plan, 'warn', at, `weight=${n} lowered to Corral's maximum, ${MAX_WEIGHT}`)
    out.weight = Math.min(n, MAX_WEIGHT)
  } else if (name === 'max_conns' && n >= 0) {
    if (n > MAX_CAPACITY)
      note(
        w.plan,
        'warn',
        at,
        `max_conns=${n} lowered to Corral's maximum capacity, ${MAX_CAPACITY}`,
      )
    if (n > 0) out.capacity = Math.min(n, MAX_CAPACITY)
  } else if (name === 'backup' && value === undefined) {
    out.enabled = false
    note(
      w.plan,
      'warn',
      at,
      'backup server imported disabled: Corral has no backup tier; enable it to put it in rotation',
    )
  } else if (name === 'down' && value === undefined) {
    out.enabled = false
    note(w.plan, 'info', at, 'server marked down in nginx: imported disabled')
  } else if (['max_fails', 'fail_timeout', 'slow_start'].includes(name) && value !== undefined) {
    note(w.plan, 'info', at, `${param} ignored: Corral checks backend health itself`)
  } else if (['resolve', 'drain'].includes(name) || ['service', 'route'].includes(name)) {
    note(w.plan, 'info', at, `${param} ignored: not supported`)
  } else {
    note(w.plan, 'warn', at, `server parameter "${param}" not understood; ignored`)
  }
}
