// `/connect/device`: where the `ollama` CLI's refusals point (its `signin_url`). No key is
// needed and none is shown: what to type on each OS, and whether a device is still waiting.
import type { FastifyInstance } from 'fastify'
import type { Config } from '../config/schema.js'
import type { PendingDevices } from './pending.js'
import { deviceId } from './pending.js'
import { gatewayUrl } from './messages.js'

export interface DevicePageDeps {
  config: () => Config
  pending: PendingDevices
}

export function registerDevicePage(app: FastifyInstance, deps: DevicePageDeps): void {
  app.route<{ Querystring: { id?: string } }>({
    method: ['GET', 'HEAD'],
    url: '/connect/device',
    config: { public: true },
    handler: async (request, reply) => {
      const url = gatewayUrl(
        request.headers,
        (request.raw.socket as { encrypted?: boolean }).encrypted === true,
        deps.config().server.basePath,
      )
      const id = typeof request.query.id === 'string' ? request.query.id.slice(0, 40) : ''
      request.corral.outcome = 'done'
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .header('x-content-type-options', 'nosniff')
        .header(
          'content-security-policy',
          "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        )
        .send(devicePage(url, id ? stateOf(id, deps) : null, url.startsWith('https:')))
    },
  })
}

type DeviceState = 'waiting' | 'allowed' | 'refused' | 'unknown'

function stateOf(id: string, deps: DevicePageDeps): DeviceState {
  const c = deps.config()
  if (
    c.keys.some(
      (k) => k.revokedAt === null && (k.devices ?? []).some((d) => deviceId(d.fingerprint) === id),
    )
  )
    return 'allowed'
  if ((c.devices?.denied ?? []).some((d) => deviceId(d.fingerprint) === id)) return 'refused'
  return deps.pending.find(id) ? 'waiting' : 'unknown'
}

const STATE_TEXT: Record<DeviceState, string> = {
  waiting:
    'This device is waiting for the owner of this Corral to allow it. Ask them to click Allow (Keys, in Corral), then run your ollama command again.',
  allowed: 'This device is allowed. Run your ollama command again.',
  refused: 'The owner refused this device. Ask them to forget the refusal if it was a mistake.',
  unknown:
    'This Corral has not seen that device (yet): run an ollama command with the lines below, then reload this page.',
}

/** The whole page; every dynamic string is escaped. */
export function devicePage(url: string, state: DeviceState | null, https: boolean): string {
  const e = escapeHtml
  const block = (title: string, lines: string[]) =>
    `<h3>${e(title)}</h3><pre>${lines.map(e).join('\n')}</pre>`
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>Corral: connect the ollama CLI</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1d2330}
pre{background:#f1f3f6;padding:.75rem 1rem;border-radius:6px;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
.state{padding:.75rem 1rem;border-radius:6px;background:#fff6d6}.warn{color:#8a4b00}</style></head><body>
<h1>Use this Corral from the <code>ollama</code> command line</h1>
${state ? `<p class="state" role="status">${e(STATE_TEXT[state])}</p>` : ''}
<p>Type these two lines in the terminal you run <code>ollama</code> from. The CLI then signs each
request with this computer's key (<code>~/.ollama/id_ed25519</code>); the first time, the owner
of this Corral is asked to allow the device.</p>
${block('macOS, Linux (bash, zsh)', [`export OLLAMA_HOST=${url}`, 'export OLLAMA_AUTH=1'])}
${block('Windows PowerShell', [`$env:OLLAMA_HOST="${url}"`, '$env:OLLAMA_AUTH="1"'])}
${block('Windows cmd', [`set OLLAMA_HOST=${url}`, 'set OLLAMA_AUTH=1'])}
<p>No <code>~/.ollama/id_ed25519</code> on this computer yet? Running <code>ollama serve</code> once
makes it (on Windows too), or: <code>${e('ssh-keygen -t ed25519 -f ~/.ollama/id_ed25519 -N ""')}</code>.
To be allowed ahead of time, send the owner the line in <code>~/.ollama/id_ed25519.pub</code>.</p>
<p class="warn">${
    https
      ? 'This address uses HTTPS: requests and answers are encrypted.'
      : 'This address is plain HTTP. The signature proves which device sent a request, but it does not cover the request body: anyone who can see this network’s traffic can read prompts and answers, and someone who can intercept it could change a request on its way. Prefer the HTTPS address when the owner has turned it on.'
  }</p></body></html>`
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
