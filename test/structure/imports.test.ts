// Imports point one way. Read from the sources' own import lines: no two files import each
// other, directly or round a loop, and no two of gateway's parts (a folder, or a file at its
// top) do either, so the parts stand in one order, each importing only parts below it
// (README, "How it works").
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'

const ROOT = path.resolve(import.meta.dirname, '../..')
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/g

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name)
    if (statSync(p).isDirectory()) return sources(p)
    return /\.(ts|tsx|mjs)$/.test(name) && !name.endsWith('.d.ts') ? [p] : []
  })
}

/** The file an import names, as the bundlers resolve it (`./x.js` is `./x.ts`). */
function resolve(from: string, spec: string): string | null {
  const base = path.resolve(path.dirname(from), spec)
  const stem = base.replace(/\.(js|mjs|ts|tsx)$/, '')
  for (const p of [base, `${stem}.ts`, `${stem}.tsx`, `${stem}.mjs`, path.join(base, 'index.ts')])
    if (existsSync(p) && statSync(p).isFile()) return p
  return null
}

function graph(files: string[], node: (file: string) => string): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>()
  for (const file of files) {
    const from = node(file)
    if (!edges.has(from)) edges.set(from, new Set())
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const target = resolve(file, m[1]!)
      if (target === null) continue
      const to = node(target)
      if (to !== from) edges.get(from)!.add(to)
    }
  }
  return edges
}

/** Groups of nodes that reach each other (Tarjan's strongly connected components, size > 1). */
function loops(edges: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const found: string[][] = []
  const visit = (v: string): void => {
    index.set(v, index.size)
    low.set(v, index.get(v)!)
    stack.push(v)
    onStack.add(v)
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!))
    }
    if (low.get(v) !== index.get(v)) return
    const group: string[] = []
    let w: string
    do {
      w = stack.pop()!
      onStack.delete(w)
      group.push(w)
    } while (w !== v)
    if (group.length > 1) found.push(group.sort())
  }
  for (const v of edges.keys()) if (!index.has(v)) visit(v)
  return found
}

const rel = (p: string) => path.relative(ROOT, p).split(path.sep).join('/')

describe('the import structure', () => {
  const files = ['gateway', 'electron', 'renderer/src'].flatMap((d) => sources(path.join(ROOT, d)))

  test('no files import each other, directly or round a loop', () => {
    expect(loops(graph(files, rel))).toEqual([])
  })

  test("no two of gateway's folders (or top-level files) import each other", () => {
    const part = (p: string) => rel(p).split('/').slice(0, 2).join('/')
    const gateway = files.filter((f) => rel(f).startsWith('gateway/'))
    expect(loops(graph(gateway, part))).toEqual([])
  })

  test('a loop is found when there is one (the check can fail)', () => {
    const edges = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a'])],
      ['d', new Set(['a'])],
    ])
    expect(loops(edges)).toEqual([['a', 'b', 'c']])
  })
})
