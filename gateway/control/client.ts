// The control API's client, over HTTP with the control token, as the CLI and the desktop
// app's main process (through electron/gateway-link.ts) reach a running gateway; the window
// has its own (renderer/src/api/client.ts). Pure Node. The endpoint is read at each call:
// after a restart of the gateway child, the URL and the token are new (its 'ready' message).
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
    /** The API's `error`, else the answer's text as it came ('' for none). */
    readonly said = '',
  ) {
    super(message)
    this.name = 'ControlApiError'
  }
}

export type ControlMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

export const NOT_RUNNING = 'Corral’s gateway is not running right now.'
export const CALL_TIMEOUT_MS = 15_000

export class ControlApi {
  constructor(
    private readonly endpoint: () => ControlEndpoint | null,
    private readonly timeoutMs = CALL_TIMEOUT_MS,
  ) {}

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

  async call<T>(method: ControlMethod, path: string, body?: unknown): Promise<T> {
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
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
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
        typeof said === 'string' ? said : text,
      )
    }
    return parsed as T
  }
}
