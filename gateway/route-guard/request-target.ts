// The request targets a browser or a normal client sends to the local control port, and
// nothing else. A browser's URL parser (WHATWG URL) removes `.` and `..` segments, never
// percent-encodes a letter, digit or `-._~` and sends the path only (origin form, RFC 9112
// §3.2.1); undici, curl and the corral command do the same. Anything else is a spelling
// meant to make a path check and the router disagree, so it is refused before either looks.

/** RFC 3986 §2.3: characters that never need percent-encoding. */
const UNRESERVED = /^[A-Za-z0-9\-._~]$/

/** Why `target` is not a plain origin-form target (a 400 message for people), or null. */
export function oddRequestTarget(target: string): string | null {
  if (!target.startsWith('/')) {
    return 'the request target must be a path starting with "/" (no absolute-form "http://host/path" and no "*"); send the path only'
  }
  const q = target.indexOf('?')
  const path = q === -1 ? target : target.slice(0, q)
  if (path.includes('\\')) return 'the path has a backslash; use "/" between segments'
  if (path.includes('//')) return 'the path has an empty segment ("//"); use a single "/"'
  const encoded = path.match(/%(?:[0-9A-Fa-f]{2})?/g) ?? []
  for (const e of encoded) {
    if (e.length !== 3) return 'the path has a "%" that is not followed by two hex digits'
    const char = String.fromCharCode(parseInt(e.slice(1), 16))
    if (UNRESERVED.test(char)) {
      return `the path percent-encodes "${char}" (${e}), which never needs encoding; write it as it is`
    }
  }
  for (const segment of path.split('/')) {
    if (segment === '.' || segment === '..') {
      return 'the path has a "." or ".." segment; send the path as the browser resolves it'
    }
  }
  return null
}
