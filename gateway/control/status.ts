import type { Corral } from '../core.js'
import type { Sharing } from './sharing.js'
import { backendViews } from './backend-routes.js'
import { advisoryWarning } from '../advisories/ollama-advisories.js'
import { downMessage, ollamaState } from '../backends/down.js'

/** What `corral status` and the UI's Share view show. */
export function statusView(corral: Corral, sharing: Sharing, version: string) {
  const now = corral.now()
  const backends = backendViews(corral)
  const warnings: string[] = []
  const exposed = corral.localExposure()
  if (exposed) warnings.push(exposed)
  for (const b of corral.pool.list()) {
    if (b.record.enabled && b.state === 'down') warnings.push(downMessage(b))
  }
  for (const b of backends) {
    if (b.advisories.length > 0) warnings.push(advisoryWarning(b, b.advisories))
  }
  const network = sharing.network()
  if (network.paused && network.reason) warnings.push(network.reason)
  const tls = sharing.tls()
  if (tls.error) warnings.push(tls.error)
  // With TLS off the Share view says so on its own; a warning is for a choice that needs one.
  if (tls.mode !== 'off') warnings.push(...tls.warnings)
  return {
    version,
    dataDir: corral.dataDir,
    sharing: sharing.isOn(),
    urls: sharing.urls(),
    keys: { total: corral.config.keys.length, active: corral.snapshot.keys.activeCount(now) },
    backends,
    live: corral.stats.live.snapshot(),
    localOllamaExposed: exposed !== null,
    ollama: ollamaState(corral.pool),
    warnings,
    tls,
    network,
    configProblem: corral.store.problem,
  }
}
