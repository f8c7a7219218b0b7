// Spellings of one path that a path check on the raw URL and a router on the decoded path
// might read differently: the request targets of the route-spelling test.

const hex = (c: string, lower: boolean) => {
  const h = c.charCodeAt(0).toString(16).padStart(2, '0')
  return '%' + (lower ? h : h.toUpperCase())
}

/** Every character after the leading `/` replaced, one at a time, by `encode(char)`. */
function eachChar(path: string, encode: (c: string) => string): string[] {
  const out: string[] = []
  for (let i = 1; i < path.length; i++)
    out.push(path.slice(0, i) + encode(path[i]!) + path.slice(i + 1))
  return out
}

/** Every `/` after the first, one at a time, replaced by `with`. */
function eachSlash(path: string, replacement: string): string[] {
  const out: string[] = []
  for (let i = 1; i < path.length; i++) {
    if (path[i] === '/') out.push(path.slice(0, i) + replacement + path.slice(i + 1))
  }
  return out
}

/** Request targets (for the request line) that all name `path` in some spelling. */
export function spellingsOf(path: string, port: number): string[] {
  const all = new Set<string>([
    path,
    // each character percent-encoded: upper and lower-case hex, and double-encoded
    ...eachChar(path, (c) => hex(c, false)),
    ...eachChar(path, (c) => hex(c, true)),
    ...eachChar(path, (c) => '%25' + hex(c, false).slice(1)),
    '/' + [...path.slice(1)].map((c) => hex(c, false)).join(''),
    '/' + [...path.slice(1)].map((c) => (c === '/' ? c : hex(c, true))).join(''),
    // absolute form (RFC 9112 §3.2.2), whatever the authority says
    `http://127.0.0.1:${port}${path}`,
    `http://x${path}`,
    `HTTP://X${path}`,
    `https://localhost${path}`,
    ...(path.length > 1 ? [`http://x/${hex(path[1]!, false)}${path.slice(2)}`] : []),
    // dot segments, plain and encoded
    `/.${path}`,
    `/x/..${path}`,
    `/%2e${path}`,
    `/x/%2e%2e${path}`,
    `/x/%2E%2E${path}`,
    ...eachSlash(path, '/./'),
    ...eachSlash(path, '/x/../'),
    ...eachSlash(path, '/%2e/'),
    // doubled slashes
    `/${path}`,
    ...eachSlash(path, '//'),
    ...eachSlash(path, '%2F'),
    ...eachSlash(path, '%2f'),
    ...eachSlash(path, '\\'),
    // trailing slash, `;` and `?` suffixes, case
    `${path}/`,
    `${path};`,
    `${path};x=1`,
    `${path}/;`,
    `${path}?`,
    `${path}?x=1`,
    `${path}#x`,
    path.toUpperCase(),
  ])
  return [...all]
}
