// The relay's HTTP/1.1 reader (gateway/proxy/http1.ts): response heads, body framing, and
// the chunked reader cut at every byte, decoding or passing the framed bytes on as they are.
import { describe, expect, test } from 'vitest'
import {
  ChunkedReader,
  framingOf,
  headEnd,
  parseHead,
  requestHead,
  type ChunkSink,
} from '../../gateway/proxy/http1.js'

/** What a reader handed on: the decoded body and, in raw mode, the bytes passed on framed. */
function collect(): ChunkSink & { body: string; out: string } {
  return {
    body: '',
    out: '',
    data(buf, s, e) {
      this.body += buf.toString('latin1', s, e)
    },
    raw(buf, s, e) {
      this.out += buf.toString('latin1', s, e)
    },
    sizeLine(size) {
      this.out += `${size.toString(16)}\r\n`
    },
  }
}

/** Feeds `wire` cut into the given pieces; returns the sink and what followed the body. */
function feedPieces(wire: string, cuts: number[], raw: boolean) {
  const reader = new ChunkedReader(raw)
  const sink = collect()
  const buf = Buffer.from(wire, 'latin1')
  let rest: string | null = null
  let from = 0
  for (const to of [...cuts, buf.length]) {
    const piece = buf.subarray(from, to)
    from = to
    if (rest !== null) {
      rest += piece.toString('latin1')
      continue
    }
    const end = reader.feed(piece, 0, sink)
    if (end !== -1) rest = piece.toString('latin1', end)
  }
  return { sink, rest, atBoundary: reader.atBoundary }
}

const FRAMES = ['{"n":1}\n', '{"n":2,"content":"é"}\n', '{"done":true}\n']
const chunk = (s: string, ext = '') =>
  `${Buffer.byteLength(s, 'latin1').toString(16)}${ext}\r\n${s}\r\n`
const WIRE = chunk(FRAMES[0]!) + chunk(FRAMES[1]!, ';name=v') + chunk(FRAMES[2]!) + '0\r\n'
const TRAILERS = 'x-trailer: 1\r\n\r\n'
const BODY = FRAMES.join('')

describe('the chunked reader', () => {
  test.each([false, true])(
    'cut at every byte, it reads the same body and ends at the same place (raw %s)',
    (raw) => {
      const wire = WIRE + TRAILERS + 'NEXT'
      for (let cut = 0; cut <= wire.length; cut++) {
        const { sink, rest } = feedPieces(wire, [cut], raw)
        expect(sink.body).toBe(BODY)
        expect(rest).toBe('NEXT')
      }
    },
  )

  test('in raw mode, cut at every pair of bytes, it passes on every chunk framed, never the last chunk or trailers', () => {
    const wire = WIRE + TRAILERS
    for (let a = 0; a <= wire.length; a++) {
      for (let b = a; b <= wire.length; b++) {
        const { sink } = feedPieces(wire, [a, b], true)
        // What a client's chunked parser reads from it, once the relay has ended the body.
        expect(decode(sink.out)).toBe(BODY)
        expect(sink.out).not.toContain('x-trailer')
        if (a === 0 && b === 0) expect(sink.out).toBe(WIRE.slice(0, -'0\r\n'.length))
      }
    }
  })

  test('what was passed on ends at a chunk boundary only between chunks', () => {
    const wire = chunk('abcdef') + chunk('gh')
    const inData = feedPieces(wire, [], true)
    expect(inData.atBoundary).toBe(true)
    const cut = new ChunkedReader(true)
    cut.feed(Buffer.from('6\r\nabc'), 0, collect())
    expect(cut.atBoundary).toBe(false)
    const sizeLine = new ChunkedReader(true)
    const sink = collect()
    sizeLine.feed(Buffer.from('6\r\nabcdef\r\n1'), 0, sink)
    expect(sizeLine.atBoundary).toBe(true)
    expect(sink.out).toBe('6\r\nabcdef\r\n')
  })

  test.each([
    ['a size that is not hex', 'zz\r\nab\r\n0\r\n\r\n'],
    ['a chunk longer than its size', '2\r\nabc\r\n0\r\n\r\n'],
    ['a size line without digits', '\r\n'],
    ['a size of more than 12 hex digits', '1000000000000\r\n'],
  ])('%s is refused', (_, wire) => {
    expect(() => new ChunkedReader(false).feed(Buffer.from(wire), 0, collect())).toThrow()
  })
})

/** A raw-mode output decoded as a client's chunked parser would. */
function decode(out: string): string {
  const reader = new ChunkedReader(false)
  const sink = collect()
  reader.feed(Buffer.from(out + '0\r\n\r\n', 'latin1'), 0, sink)
  return sink.body
}

describe('response heads', () => {
  const head = (text: string) => {
    const buf = Buffer.from(text, 'latin1')
    return parseHead(buf, headEnd(buf))
  }

  test('names are lowercased, set-cookie kept apart, other repeats joined', () => {
    const h = head(
      'HTTP/1.1 200 OK\r\nContent-Type: a\r\nSet-Cookie: x=1\r\nSet-Cookie: y=2\r\nVary: a\r\nVary: b\r\nKeep-Alive: timeout=5\r\n\r\n',
    )
    expect(h.status).toBe(200)
    expect(h.headers).toMatchObject({
      'content-type': 'a',
      'set-cookie': ['x=1', 'y=2'],
      vary: 'a, b',
    })
    expect(h.keepAlive).toBe(true)
    expect(h.keepAliveHintMs).toBe(5000)
  })

  test('HTTP/1.0 and Connection: close end the connection after the answer', () => {
    expect(head('HTTP/1.0 200 OK\r\n\r\n').keepAlive).toBe(false)
    expect(head('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n').keepAlive).toBe(false)
  })

  test('an unfinished head waits for more, an endless one is refused', () => {
    expect(headEnd(Buffer.from('HTTP/1.1 200 OK\r\nA: b\r\n'))).toBe(-1)
    expect(() => headEnd(Buffer.alloc(70 * 1024, 'a'))).toThrow(/too large/)
  })

  test.each([
    ['not HTTP', 'SSH-2.0-OpenSSH\r\n\r\n'],
    ['a header line without a name', 'HTTP/1.1 200 OK\r\n: x\r\n\r\n'],
    ['a folded header line', 'HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n'],
    ['two different lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n'],
  ])('%s is refused', (_, text) => {
    expect(() => head(text)).toThrow()
  })

  test.each([
    ['GET', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', 'chunked'],
    ['GET', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n', 'length'],
    ['GET', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', 'none'],
    ['HEAD', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n', 'none'],
    ['GET', 'HTTP/1.1 204 No Content\r\n\r\n', 'none'],
    ['GET', 'HTTP/1.1 200 OK\r\n\r\n', 'close'],
    ['GET', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n', 'close'],
  ] as const)('%s answered %j is framed as %s', (method, text, framing) => {
    expect(framingOf(method, head(text))).toBe(framing)
  })
})

test('a request path with a line break or a space is refused, never written', () => {
  expect(() => requestHead('GET', '/a\r\nx: y', 'h', {})).toThrow()
  expect(() => requestHead('GET', '/a b', 'h', {})).toThrow()
  expect(requestHead('GET', '/a', 'h:1', { x: ['1', '2'] })).toBe(
    'GET /a HTTP/1.1\r\nhost: h:1\r\nx: 1\r\nx: 2\r\n\r\n',
  )
})
