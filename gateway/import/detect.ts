// Which format a file is in: by content first, with the file name as a tie-breaker and as the
// answer for files with no content to judge (only comments, or empty).
import { ENV_VARIABLES } from './env.js'
import { isYamlFile } from './env-file.js'
import { looksLikeGoGateway } from './go-gateway.js'
import { stripBom, type SourceFormat } from './types.js'

const MAP_BLOCK = /^\s*map\s+\$http_\w+\s+\$\w+\s*\{/m
const BEARER_LINE = /^\s*(["']?)bearer\s+[^\s"';]+\1\s+[^\s;]+\s*;/im
const QUOTED_ENTRY = /^\s*(["'])[^"'\n]+\1\s+[^\s;]+\s*;/m
/** An unquoted `key 1;` line: nginx itself needs no quotes around a word without spaces. */
const BARE_ENTRY = /^\s*[^\s;#{}"']{8,}\s+[01]\s*;/m
const UPSTREAM_BLOCK = /^\s*upstream\s+[\w.-]+\s*\{/m
const SERVER_LINE = /^\s*server\s+[^\s;{]+[^;{]*;/m
const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/
/** A compose file that passes the Docker image's (or Corral's) variables. */
const COMPOSE_ENV = /^\s*(-\s+)?["']?(AUTH_TOKEN|CORRAL_API_KEYS|CORRAL_BACKENDS)\s*[=:]/m
const TOKEN_LINE = /^[\x21-\x7e]+$/

/** What a file's name suggests, if anything (`api_keys.conf`, `upstream_ollama.conf`, ...). */
export function formatFromName(file: string): SourceFormat | null {
  const base = (file.split(/[\\/]/).pop() ?? '').toLowerCase()
  if (/^\.env(\..+)?$|\.env$/.test(base)) return 'env'
  if (base.endsWith('.json')) return 'go-gateway'
  if (base.includes('upstream')) return 'nginx-upstreams'
  if (base.includes('key') && base.includes('.conf')) return 'nginx-keys'
  if (/keys?|tokens?/.test(base)) return 'keys-txt'
  return null
}

function meaningfulLines(text: string): string[] {
  return text
    .split(/\r\n|\n|\r/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
}

function isEnvFile(lines: string[]): boolean {
  const names = lines.map((l) => ASSIGNMENT.exec(l)?.[1])
  const known: readonly string[] = ENV_VARIABLES
  return (
    names.every((n) => n !== undefined) && names.some((n) => n !== undefined && known.includes(n))
  )
}

function nginxFormat(text: string, hint: SourceFormat | null): SourceFormat | null {
  const strongKeys = MAP_BLOCK.test(text) || BEARER_LINE.test(text) || QUOTED_ENTRY.test(text)
  const keys = strongKeys || BARE_ENTRY.test(text)
  const upstreams = UPSTREAM_BLOCK.test(text) || SERVER_LINE.test(text)
  if (keys && upstreams) {
    if (hint === 'nginx-keys' || hint === 'nginx-upstreams') return hint
    return strongKeys ? 'nginx-keys' : 'nginx-upstreams'
  }
  if (keys) return 'nginx-keys'
  if (upstreams) return 'nginx-upstreams'
  return null
}

/** Whether (nearly) every line is one token, as in a plain keys file. */
function isKeysList(lines: string[]): boolean {
  const tokens = lines.filter((l) => {
    const key = l.replace(/\s+#.*$/, '')
    return TOKEN_LINE.test(key) && !/[:;,{}[\]]$/.test(key)
  })
  return tokens.length > 0 && tokens.length * 4 >= lines.length * 3
}

/**
 * The format of a file, or null when neither its content nor its name says. Content wins:
 * JSON with `ollamaAddresses`/`apiKeys` is the Go gateway; `"Bearer …" 1;` lines are an nginx
 * key map; `server …;` lines an nginx upstream list; NAME=value lines with Corral's or the
 * Docker image's variables an env file (or a compose file's `environment:`); otherwise lines that look like tokens, a keys file.
 */
export function detectFormat(file: string, text: string): SourceFormat | null {
  const body = stripBom(text)
  const trimmed = body.trim()
  const hint = formatFromName(file)
  if (body.includes('\u0000') || /-----BEGIN [A-Z ]+-----/.test(body)) return null
  if (isYamlFile(file)) return COMPOSE_ENV.test(body) ? 'env' : null
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return looksLikeGoGateway(JSON.parse(trimmed)) ? 'go-gateway' : null
    } catch {
      const telltale = /"(ollamaAddresses|apiKeys|gatewayAddress)"/i.test(trimmed)
      return telltale || hint === 'go-gateway' ? 'go-gateway' : null
    }
  }
  const lines = meaningfulLines(body)
  if (lines.length > 0 && isEnvFile(lines)) return 'env'
  const nginx = nginxFormat(body, hint)
  if (nginx !== null) return nginx
  if (isKeysList(lines)) return 'keys-txt'
  return hint
}
