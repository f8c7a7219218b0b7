// What a new data dir starts with: the local Ollama as the one backend.
import os from 'node:os'
import type { BackendRecord, Config } from './schema.js'

/** The local Ollama, from OLLAMA_HOST or the default port. */
export function localOllamaUrl(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env.OLLAMA_HOST?.trim()
  if (!raw) return 'http://127.0.0.1:11434'
  const withScheme = /^https?:\/\//.test(raw) ? raw : `http://${raw}`
  const u = new URL(withScheme)
  // OLLAMA_HOST=0.0.0.0 means "listen everywhere"; we reach it on loopback.
  if (u.hostname === '0.0.0.0' || u.hostname === '[::]') u.hostname = '127.0.0.1'
  if (!u.port) u.port = '11434'
  return `${u.protocol}//${u.host}`
}

export function seedConfig(config: Config): Config {
  const local: BackendRecord = {
    id: 'local',
    name: 'This computer',
    url: localOllamaUrl(),
    key: null,
    weight: 1,
    enabled: true,
    capacity: 4,
    source: 'local',
  }
  return { ...config, backends: [local], discovery: { ...config.discovery, name: os.hostname() } }
}
