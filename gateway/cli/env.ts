// Configuration from the environment, the one-token Docker image's way:
// CORRAL_API_KEYS, CORRAL_BACKENDS, CORRAL_PORT, CORRAL_PULL (and AUTH_TOKEN,
// OLLAMA_MODEL as aliases). Applied in memory over config.json, never saved:
// defaults < config.json < environment < flags.
import type { Config } from '../config/schema.js'
import { applyPlan, planFromEnv } from '../import/index.js'
import type { Logger } from '../util/logger.js'

export interface EnvOverlay {
  apply(config: Config): Config
  /** Set when the environment names a port (CORRAL_PORT). */
  port?: number
}

export function envOverlay(env: NodeJS.ProcessEnv, logger: Logger): EnvOverlay {
  const plan = planFromEnv(env)
  const empty =
    plan.keys.length === 0 && plan.backends.length === 0 && Object.keys(plan.settings).length === 0
  if (empty) return { apply: (c) => c }
  for (const n of plan.notes) if (n.level === 'warn') logger.warn(`environment: ${n.message}`)
  const startedAt = new Date()
  const replaceBackends = plan.backends.length > 0
  return {
    apply(config) {
      let n = 0
      const base = replaceBackends ? { ...config, backends: [] } : config
      const { config: next } = applyPlan(base, plan, {
        now: () => startedAt,
        newId: () => `env-${++n}`,
      })
      // Keys from the environment are accepted as they are and live only as long as the process.
      next.keys = next.keys.map((k) =>
        k.id.startsWith('env-') ? { ...k, source: 'env' as const } : k,
      )
      return next
    },
  }
}
