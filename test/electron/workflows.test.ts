// The GitHub workflows cannot run here (issue 28): they are checked against GitHub's
// workflow schema by action-validator (a devDependency; ACTION_VALIDATOR names another
// copy), and every command they run must exist: `npm run X` in package.json's scripts,
// `node FILE` in the repository, `npx X` in node_modules/.bin.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'

const root = process.cwd()
const dir = path.join(root, '.github', 'workflows')
const workflows = fs.readdirSync(dir).filter((f) => f.endsWith('.yml'))
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>
}

function validator(): string | null {
  const candidates = [
    process.env.ACTION_VALIDATOR,
    path.join(root, 'node_modules', '.bin', 'action-validator'),
  ]
  return candidates.find((c): c is string => !!c && fs.existsSync(c)) ?? null
}

const bin = validator()
if (!bin) {
  console.warn(
    'workflow schema check skipped: action-validator is not installed ' +
      '(npm install; it is a devDependency) and ACTION_VALIDATOR is unset.',
  )
}

function validate(file: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [bin!, file], { encoding: 'utf8' })
  return { status: r.status, out: `${r.stdout}${r.stderr}` }
}

type Step = { run?: string }
type Workflow = { jobs: Record<string, { steps?: Step[] }> }

/** Each shell command of every step (a `run:` may hold several lines and `&&` chains). */
function commands(file: string): string[] {
  const wf = parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Workflow
  return Object.values(wf.jobs)
    .flatMap((j) => j.steps ?? [])
    .flatMap((s) => (s.run ? s.run.split('\n') : []))
    .flatMap((line) => line.split(/&&|\s--\s/))
    .map((c) => c.trim())
    .filter(Boolean)
}

describe('the GitHub workflows', () => {
  it('include the desktop smoke test and the release build', () => {
    expect(workflows.sort()).toEqual(['desktop-smoke.yml', 'release.yml'])
  })

  it.skipIf(!bin).each(workflows)('%s passes GitHub’s workflow schema', (file) => {
    const r = validate(path.join(dir, file))
    expect(r.out).toBe('')
    expect(r.status).toBe(0)
  })

  it.skipIf(!bin)('the schema check does catch a broken workflow', () => {
    const bad = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'corral-wf-')), 'bad.yml')
    fs.writeFileSync(bad, 'on: push\njobs:\n  a:\n    runs-onn: ubuntu-24.04\n')
    expect(validate(bad).status).not.toBe(0)
  })

  it.each(workflows)('%s runs only commands that exist', (file) => {
    const cmds = commands(file)
    expect(cmds.length).toBeGreaterThan(0)
    for (const cmd of cmds) {
      const npmRun = /^npm run ([\w:-]+)/.exec(cmd)
      if (npmRun) expect(pkg.scripts, cmd).toHaveProperty([npmRun[1]!])
      const node = /^node (\S+)/.exec(cmd)
      if (node && node[1]!.startsWith('node_modules/electron/')) {
        expect(fs.existsSync(path.join(root, 'node_modules', 'electron', 'package.json'))).toBe(
          true,
        )
      } else if (node) expect(fs.existsSync(path.join(root, node[1]!)), cmd).toBe(true)
      const npx = /^npx (\S+)/.exec(cmd)
      if (npx)
        expect(fs.existsSync(path.join(root, 'node_modules', '.bin', npx[1]!)), cmd).toBe(true)
    }
  })

  it('the smoke workflow packages with --dir, then runs the smoke script under xvfb on Linux', () => {
    const cmds = commands('desktop-smoke.yml')
    expect(cmds).toContain('npm run dist:smoke')
    // The release config with only the inspector fuse on (playwright drives Electron by it).
    expect(pkg.scripts['dist:smoke']).toMatch(
      /electron-builder --config build\/electron-builder\.yml --dir -c\.electronFuses\.enableNodeCliInspectArguments=true$/,
    )
    expect(pkg.scripts['dist:dir']).toMatch(/electron-builder .*--dir$/)
    expect(cmds).toContain('xvfb-run -a dbus-run-session')
    expect(cmds.filter((c) => c === 'npm run test:desktop-smoke')).toHaveLength(2)
  })
})
