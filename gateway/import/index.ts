// `corral import FILE...`: read the files of the gateways Corral replaces into one plan, then
// apply it to a config. Everything here is pure (no I/O): the CLI reads the files, calls
// parseImportFile for each, mergePlans, applyPlan on the current config, and saves (or, with
// --dry-run, prints the report and discards the result).
//
// What each source gives:
//   nginx-keys       `"Bearer <key>" 1;` lines (optionally inside `map $http_authorization`)
//   nginx-upstreams  `server host[:port] [weight=N] [max_conns=N] [backup|down];` lines
//   keys-txt         one key per line (OpenResty keys.txt)
//   go-gateway       config.json: ollamaAddresses, gatewayAddress, logging, authHeaderName,
//                    apiKeys, rateLimit, security, metrics, loadBalancer
//   env              CORRAL_API_KEYS, CORRAL_BACKENDS, CORRAL_PORT, CORRAL_PULL, and the Docker
//                    image's AUTH_TOKEN, OLLAMA_MODEL (from the process, a .env file or the
//                    `environment:` of a docker-compose.yml)
import { detectFormat } from './detect.js'
import { parseEnvFile } from './env-file.js'
import { parseGoGateway } from './go-gateway.js'
import { parseKeysTxt } from './keys-txt.js'
import { dedupePlan } from './merge.js'
import { parseNginx } from './nginx.js'
import { ImportError, note, stripBom, type ImportPlan, type SourceFormat } from './types.js'

export { hashKey } from '../auth/keys.js'
export {
  applyPlan,
  keyPrefix,
  type ApplyDeps,
  type ApplyReport,
  type SettingChange,
} from './apply.js'
export { backendIdentity, normalizeBackendUrl, OLLAMA_DEFAULT_PORT } from './backend-url.js'
export { detectFormat, formatFromName } from './detect.js'
export { ENV_VARIABLES, planFromEnv, type EnvOrigin } from './env.js'
export { parseEnvFile } from './env-file.js'
export { describeKey, keyProblem, MIN_KEY_LENGTH } from './keys.js'
export { dedupePlan, mergePlans, where } from './merge.js'
export { ImportPlanSchema, type ImportPlanWire } from './plan-schema.js'
export {
  emptyPlan,
  ENVIRONMENT_FILE,
  IMPORT_FILE,
  IMPORT_ERROR_CODE,
  ImportError,
  SOURCE_FORMATS,
  type ConfigPatch,
  type DeepPartial,
  type ImportedBackend,
  type ImportedKey,
  type ImportNote,
  type ImportPlan,
  type SourceFormat,
  type SourceLocation,
} from './types.js'

const DESCRIPTIONS: Record<SourceFormat, string> = {
  'nginx-keys': 'an nginx key map',
  'nginx-upstreams': 'an nginx upstream list',
  'keys-txt': 'a keys file',
  'go-gateway': "the Go ollama-gateway's config.json",
  env: 'environment variables',
}

/** Parses a file whose format is already known. */
export function parseAs(format: SourceFormat, file: string, text: string): ImportPlan {
  const body = stripBom(text)
  switch (format) {
    case 'nginx-keys':
    case 'nginx-upstreams':
      return parseNginx(file, body, format)
    case 'keys-txt':
      return parseKeysTxt(file, body)
    case 'go-gateway':
      return parseGoGateway(file, body)
    case 'env':
      return parseEnvFile(file, body)
  }
}

/**
 * Reads one file into a plan: its format is detected (content first, then the name), repeated
 * keys and backends are taken once, and the first note says what the file was read as.
 * Throws ImportError only when the file is no known format (or is broken JSON).
 */
export function parseImportFile(file: string, text: string): ImportPlan {
  const format = detectFormat(file, text)
  if (format === null) {
    throw new ImportError(
      file,
      undefined,
      'not a format corral import knows: expected an nginx key map (api_keys.conf), an nginx ' +
        'upstream list (upstream_ollama.conf), a keys file (one key per line), the Go ' +
        "ollama-gateway's config.json, or a .env / docker-compose.yml file",
    )
  }
  const plan = dedupePlan(parseAs(format, file, text))
  const found = `${plan.keys.length} key(s), ${plan.backends.length} backend(s)`
  plan.notes.unshift({ level: 'info', file, message: `read as ${DESCRIPTIONS[format]}: ${found}` })
  if (
    plan.keys.length === 0 &&
    plan.backends.length === 0 &&
    Object.keys(plan.settings).length === 0
  ) {
    note(plan, 'warn', { file }, 'nothing to import in this file')
  }
  return plan
}
