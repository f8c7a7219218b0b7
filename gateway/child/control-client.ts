// The desktop app's main process reaching its gateway the way the window and the CLI do:
// the control API over HTTP with the control token. Pure Node, so the gateway child's
// parent (electron/) and tests share it. The endpoint is read at each call: after a
// restart of the gateway child, the URL and the token are new (its 'ready' message).
import { request } from 'undici'

export interface ControlEndpoint {
  controlUrl: string
  token: string
}

/** An answer of 400 and above, with the API's own words (`error`). */
export class ControlApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message)
    this.name = 'ControlApiError'
  }
}

export const NOT_RUNNING = 'Corral’s gateway is not running right now.'
export const CALL_TIMEOUT_MS = 15_000

export class ControlApi {
  constructor(private readonly endpoint: () => ControlEndpoint | null) {}

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path)
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.call<T>('POST', path, body)
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('PATCH', path, body)
  }

  delete<T>(path: string): Promise<T> {
    return this.call<T>('DELETE', path)
  }

  async call<T>(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<T> {
    const at = this.endpoint()
    if (!at) throw new ControlApiError(NOT_RUNNING, 503)
    const res = await request(at.controlUrl + path, {
      method,
      headers: {
        authorization: `Bearer ${at.token}`,
        // The control API refuses a state-changing request that does not say JSON (415),
        // body or not (gateway/control/guard.ts).
        ...(method === 'GET' ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      headersTimeout: CALL_TIMEOUT_MS,
      bodyTimeout: CALL_TIMEOUT_MS,
    })
    const text = await res.body.text()
    let parsed: unknown = null
    try {
      parsed = text ? JSON.parse(text) : null
    } catch {
      parsed = null
    }
    if (res.statusCode >= 400) {
      const said = (parsed as { error?: unknown } | null)?.error
      throw new ControlApiError(
        typeof said === 'string' ? said : `${method} ${path} answered ${res.statusCode}`,
        res.statusCode,
      )
    }
    return parsed as T
  }
}
