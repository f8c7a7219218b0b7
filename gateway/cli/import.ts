// `corral import FILE... [--dry-run]`: bring keys, backends and settings over
// from the nginx, OpenResty, Go and Docker gateways. Applied by the running
// server when there is one, else to the data dir; importing twice adds nothing.
import fs from 'node:fs'
import {
  applyPlan,
  mergePlans,
  parseImportFile,
  type ApplyReport,
  type ImportPlan,
} from '../import/index.js'
import { newId } from '../util/ids.js'
import { CliError, openStore, type CliContext } from './context.js'
import { serverFor } from './other-folder.js'
import type { Flags } from './keys.js'

export async function importCommand(ctx: CliContext, files: string[], flags: Flags): Promise<void> {
  if (files.length === 0) throw new CliError('usage: corral import FILE... [--dry-run]', 2)
  const plans: ImportPlan[] = []
  for (const file of files) {
    let text: string
    try {
      text = fs.readFileSync(file, 'utf8')
    } catch (err) {
      throw new CliError(`cannot read ${file}: ${(err as Error).message}`)
    }
    plans.push(parseImportFile(file, text))
  }
  const plan = mergePlans(plans)
  const dryRun = flags['dry-run'] === true
  const server = await serverFor(ctx)
  let report: ApplyReport
  if (server) {
    report = await server.call<ApplyReport>('POST', '/control/import', { plan, dryRun })
  } else {
    const store = openStore(ctx)
    try {
      const deps = { now: () => new Date(), newId }
      if (dryRun) report = applyPlan(store.current, plan, deps).report
      else {
        let r: ApplyReport | null = null
        await store.update((c) => {
          const out = applyPlan(c, plan, deps)
          r = out.report
          return out.config
        })
        report = r!
      }
    } finally {
      store.close()
    }
  }
  if (ctx.json) return ctx.out(JSON.stringify({ dryRun, ...report }))
  ctx.out(describe(report, dryRun))
}

export function describe(r: ApplyReport, dryRun: boolean): string {
  const verb = dryRun ? 'Would add' : 'Added'
  const lines = [
    `${verb} ${r.keysAdded} key(s) (${r.keysSkipped} already present or refused), ` +
      `${r.backendsAdded} backend(s) (${r.backendsSkipped} already present).`,
  ]
  for (const k of r.addedKeys)
    lines.push(`  key ${k.name} (${k.prefix}…) from ${k.file}${k.line ? `:${k.line}` : ''}`)
  for (const b of r.addedBackends)
    lines.push(`  backend ${b.name} ${b.url}${b.enabled ? '' : ' (disabled)'}`)
  for (const c of r.settingChanges)
    lines.push(`  ${c.path}: ${JSON.stringify(c.from)} -> ${JSON.stringify(c.to)}`)
  for (const n of r.notes)
    lines.push(
      `${n.level === 'warn' ? 'warning' : 'note'}: ${n.file}${n.line ? `:${n.line}` : ''}: ${n.message}`,
    )
  if (dryRun) lines.push('Dry run: nothing was written.')
  return lines.join('\n')
}
