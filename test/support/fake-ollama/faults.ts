// Misbehaviour on demand: the ways a backend fails, for the fault tests.
import type { Ctx, Fault } from './types.js'
import { ollamaError, openaiError, send, sendJson } from './respond.js'
import { GARBAGE } from './util.js'

export interface ArmedFault {
  fault: Fault
  remaining: number
  paths: string[] | undefined
}

/** The armed fault when `path` is one it applies to (and counts it down). */
export function takeFault(armed: { current: ArmedFault | null }, path: string): Fault | undefined {
  const a = armed.current
  if (!a) return undefined
  const matches =
    !a.paths ||
    a.paths.some((p) => (p.endsWith('*') ? path.startsWith(p.slice(0, -1)) : p === path))
  if (!matches) return undefined
  if (--a.remaining <= 0) armed.current = null
  return a.fault
}

/** Returns true when the fault replaces the normal answer. `hang` keeps the request open. */
export function applyFault(c: Ctx, f: Fault, hang: (c: Ctx) => void): boolean {
  const socket = c.req.socket
  switch (f.kind) {
    case 'status': {
      const v1 = c.path.startsWith('/v1/')
      if (typeof f.body === 'string') send(c, f.status, 'text/plain; charset=utf-8', f.body)
      else if (f.body !== undefined) sendJson(c, f.status, f.body)
      else (v1 ? openaiError : ollamaError)(c, f.status, `fake-ollama fault: status ${f.status}`)
      return true
    }
    case 'break-mid-stream':
      c.breakAfter = Math.max(0, f.afterFrames)
      return false
    case 'error-mid-stream':
      c.errorAfter = {
        frames: Math.max(0, f.afterFrames),
        message: f.message ?? 'an error was encountered while running the model: unexpected EOF',
      }
      return false
    case 'hang-before-headers':
      hang(c)
      return true
    case 'garbage':
      c.cut = true
      socket.end(GARBAGE, () => socket.destroy())
      return true
    case 'reset':
      c.cut = true
      socket.resetAndDestroy()
      return true
  }
}
