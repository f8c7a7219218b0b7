// CorralErrors across a process boundary: code, message and headers, nothing else.
import { CorralError } from '../errors.js'
import type { WireError } from './messages.js'

export function toWire(err: unknown): WireError {
  const e = err instanceof CorralError ? err : new CorralError('CORRAL_ERR_INTERNAL')
  return { code: e.code, message: e.message, headers: e.headers }
}

export function fromWire(w: WireError): CorralError {
  return new CorralError(w.code, { message: w.message, headers: w.headers })
}
