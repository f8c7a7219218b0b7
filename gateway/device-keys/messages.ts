// What the `ollama` CLI shows when Corral refuses it. Its Go client reads a 401 body's
// `signin_url` (and, for the requests it does not stream, any `status` field: json.Unmarshal
// fills AuthorizationError.Status, which is then the error text; ollama api/client.go
// checkError, api/types.go AuthorizationError). `ollama run` prints "You need to be signed
// in to Ollama..." and the signin_url (ollama cmd/cmd.go handleCloudAuthorizationError), so
// the URL leads to a Corral page that says what to do (page.ts).
import type { IncomingHttpHeaders } from 'node:http'

/** The address the client used for Corral, when its Host header is a plain host[:port]. */
export function gatewayUrl(
  headers: IncomingHttpHeaders,
  encrypted: boolean,
  basePath: string,
): string {
  const host = headers.host
  const safe =
    typeof host === 'string' && /^[A-Za-z0-9.:[\]-]{1,100}$/.test(host) ? host : 'HOST:11435'
  return `${encrypted ? 'https' : 'http'}://${safe}${basePath}`
}

/** Whether the request comes from Ollama's Go client (`ollama/0.13.1 (amd64 linux) Go/go1.24`). */
export function isOllamaCli(headers: IncomingHttpHeaders): boolean {
  const ua = headers['user-agent']
  return typeof ua === 'string' && ua.startsWith('ollama/')
}

/** The two lines a teammate types, for a POSIX shell. */
export function setupLines(url: string): string[] {
  return [`export OLLAMA_HOST=${url}`, 'export OLLAMA_AUTH=1']
}

export const MAKE_KEY_HINT =
  'No ~/.ollama/id_ed25519 on this computer yet? Running `ollama serve` once makes it, or: ' +
  'ssh-keygen -t ed25519 -f ~/.ollama/id_ed25519 -N ""'

/** An `ollama` CLI that sent no key: tell it how to sign. */
export function unsignedCliText(url: string): string {
  return [
    `Corral at ${url} needs this computer's Ollama key. In your shell:`,
    ...setupLines(url).map((l) => `    ${l}`),
    `(PowerShell: $env:OLLAMA_HOST="${url}"; $env:OLLAMA_AUTH="1")`,
    'then run your ollama command again; the owner of Corral allows the device once.',
    MAKE_KEY_HINT,
    `More: ${url}/connect/device`,
  ].join('\n')
}

export function pendingText(url: string, fingerprint: string): string {
  return [
    `This device (${fingerprint}) is waiting for the owner of Corral at ${url} to allow it.`,
    'Ask them to click Allow in Corral (Keys), then run your command again.',
  ].join('\n')
}

export function deniedText(fingerprint: string): string {
  return `The owner of this Corral refused this device (${fingerprint}). Ask them to forget the refusal if it was a mistake.`
}
