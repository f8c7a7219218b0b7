// The Go gateway's policy sections: rateLimit, security (IP lists), metrics, loadBalancer.
// An enabled rate limit becomes the default per-key limit; a disabled one, or an empty
// allowIps (which let everyone in), changes nothing and is noted.
import ipaddr from 'ipaddr.js'
import { setSetting, settingProblem } from './settings.js'
import { note } from './types.js'
import {
  at,
  field,
  isObject,
  unknownFields,
  wrongType,
  type Ctx,
  type Field,
  type Obj,
} from './go-json.js'

/** `rateLimit{maxRequests,timeWindowSeconds,enabled}` -> `limits.defaults` when enabled. */
export function rateLimit(ctx: Ctx, f: Field | undefined): void {
  if (f === undefined) return
  if (!isObject(f.value)) return wrongType(ctx, f, 'an object')
  const rl = f.value
  unknownFields(ctx, rl, ['maxRequests', 'timeWindowSeconds', 'enabled'], f.name)
  const where = at(ctx, f.name)
  const max = field(rl, 'maxRequests')?.value
  const window = field(rl, 'timeWindowSeconds')?.value
  if (field(rl, 'enabled')?.value !== true) {
    note(
      ctx.plan,
      'info',
      where,
      `rateLimit is disabled (${String(max)} requests per ${String(window)} s): no limit imported`,
    )
    return
  }
  const problems: string[] = []
  const maxProblem = settingProblem('limits.defaults.requests', max)
  if (maxProblem !== null) problems.push(`maxRequests = ${JSON.stringify(max)}: ${maxProblem}`)
  const windowProblem =
    window === undefined ? null : settingProblem('limits.defaults.windowSeconds', window)
  if (windowProblem !== null) {
    problems.push(`timeWindowSeconds = ${JSON.stringify(window)}: ${windowProblem}`)
  }
  if (problems.length > 0) {
    note(ctx.plan, 'warn', where, `rateLimit not imported (${problems.join('; ')})`)
    return
  }
  setSetting(ctx.plan, 'limits.enabled', true, where, 'rateLimit.enabled')
  setSetting(ctx.plan, 'limits.defaults.requests', max as number, where, 'rateLimit.maxRequests')
  if (window !== undefined) {
    setSetting(
      ctx.plan,
      'limits.defaults.windowSeconds',
      window as number,
      where,
      'rateLimit.timeWindowSeconds',
    )
  }
  note(
    ctx.plan,
    'info',
    where,
    `each key may make ${String(max)} requests per ${String(window ?? 60)} s (the Go gateway counted per client; Corral counts per key)`,
  )
}

function addressList(ctx: Ctx, f: Field | undefined, parent: string): string[] | undefined {
  if (f === undefined) return undefined
  if (!Array.isArray(f.value)) {
    wrongType(ctx, f, 'a list of addresses')
    return undefined
  }
  const ok: string[] = []
  for (const entry of f.value) {
    const s = typeof entry === 'string' ? entry.trim() : ''
    const valid =
      ipaddr.IPv4.isValidFourPartDecimal(s) ||
      ipaddr.IPv4.isValidCIDRFourPartDecimal(s) ||
      ipaddr.IPv6.isValid(s) ||
      ipaddr.IPv6.isValidCIDR(s)
    if (valid) ok.push(s)
    else
      note(
        ctx.plan,
        'warn',
        at(ctx, f.name, parent),
        `${f.name} entry ${JSON.stringify(entry)} is not an IP address or CIDR; skipped`,
      )
  }
  return ok
}

/** `security{allowIps,denyIps}` -> `access.allow` (replaces) and `access.deny` (adds to). */
export function security(ctx: Ctx, f: Field | undefined): void {
  if (f !== undefined && !isObject(f.value)) return wrongType(ctx, f, 'an object')
  const sec = f?.value as Obj | undefined
  if (sec !== undefined && f !== undefined) unknownFields(ctx, sec, ['allowIps', 'denyIps'], f.name)
  const where = f === undefined ? { file: ctx.file } : at(ctx, f.name)
  const allowField = sec === undefined ? undefined : field(sec, 'allowIps')
  const allow = addressList(ctx, allowField, 'security')
  const deny = addressList(ctx, sec === undefined ? undefined : field(sec, 'denyIps'), 'security')
  const allowWasEmpty = !Array.isArray(allowField?.value) || allowField.value.length === 0
  if (allow !== undefined && allow.length > 0) {
    if (setSetting(ctx.plan, 'access.allow', allow, where, 'security.allowIps')) {
      note(
        ctx.plan,
        'info',
        where,
        `only ${allow.join(', ')} may connect, as before (this replaces Corral's LAN-only default)`,
      )
    }
  } else if (allowWasEmpty) {
    note(
      ctx.plan,
      'warn',
      where,
      'allowIps was empty, which let every address connect to the Go gateway; Corral keeps its LAN-only default, so widen it with `corral access allow` if clients outside the LAN used the gateway',
    )
  } else {
    note(ctx.plan, 'warn', where, 'no valid allowIps entry: Corral keeps its LAN-only default')
  }
  if (deny !== undefined && deny.length > 0)
    setSetting(ctx.plan, 'access.deny', deny, where, 'security.denyIps')
}

/** `metrics{enabled,endpoint,namespace}` -> `metrics.enabled/path/namespace`. */
export function metrics(ctx: Ctx, f: Field | undefined): void {
  if (f === undefined) return
  if (!isObject(f.value)) return wrongType(ctx, f, 'an object')
  const m = f.value
  unknownFields(ctx, m, ['enabled', 'endpoint', 'namespace'], f.name)
  const where = at(ctx, f.name)
  const enabled = field(m, 'enabled')
  const endpoint = field(m, 'endpoint')
  const namespace = field(m, 'namespace')
  if (enabled)
    setSetting(ctx.plan, 'metrics.enabled', enabled.value as boolean, where, 'metrics.enabled')
  if (endpoint)
    setSetting(ctx.plan, 'metrics.path', endpoint.value as string, where, 'metrics.endpoint')
  if (namespace)
    setSetting(ctx.plan, 'metrics.namespace', namespace.value as string, where, 'metrics.namespace')
}

/** `loadBalancer{...}` -> `balancer.healthIntervalMs/healthPath/healthTimeoutMs`. */
export function loadBalancer(ctx: Ctx, f: Field | undefined): void {
  if (f === undefined) return
  if (!isObject(f.value)) return wrongType(ctx, f, 'an object')
  const lb = f.value
  const known = [
    'healthCheckIntervalInSeconds',
    'healthCheckEndpoint',
    'healthCheckTimeoutInMilliseconds',
  ]
  unknownFields(ctx, lb, known, f.name)
  const where = at(ctx, f.name)
  const interval = field(lb, 'healthCheckIntervalInSeconds')?.value
  const endpoint = field(lb, 'healthCheckEndpoint')?.value
  const timeout = field(lb, 'healthCheckTimeoutInMilliseconds')?.value
  if (interval !== undefined) {
    const ms = typeof interval === 'number' ? interval * 1000 : interval
    setSetting(
      ctx.plan,
      'balancer.healthIntervalMs',
      ms as number,
      where,
      'loadBalancer.healthCheckIntervalInSeconds',
    )
  }
  if (endpoint !== undefined) {
    setSetting(
      ctx.plan,
      'balancer.healthPath',
      endpoint as string,
      where,
      'loadBalancer.healthCheckEndpoint',
    )
  }
  if (timeout !== undefined) {
    setSetting(
      ctx.plan,
      'balancer.healthTimeoutMs',
      timeout as number,
      where,
      'loadBalancer.healthCheckTimeoutInMilliseconds',
    )
  }
}
