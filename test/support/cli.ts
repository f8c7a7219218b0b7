// Run the real `corral` command (bin/corral.js over the built dist/).
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'

export const BIN = path.resolve('bin/corral.js')

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, OLLAMA_HOST: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += String(d)))
    child.stderr.on('data', (d) => (stderr += String(d)))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** Start `corral serve` and resolve once it printed its URLs (with --json). */
export function startServe(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 15_000,
): Promise<{
  child: ChildProcess
  info: { gateway: string[]; control: string; ui: string }
  stderr: () => string
}> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--json', ...args], {
      env: { ...process.env, OLLAMA_HOST: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), timeoutMs)
    child.stderr.on('data', (d) => (err += String(d)))
    child.stdout.on('data', (d) => {
      out += String(d)
      const line = out.split('\n').find((l) => l.startsWith('{'))
      if (line) {
        clearTimeout(timer)
        resolve({ child, info: JSON.parse(line) as never, stderr: () => err })
      }
    })
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)))
  })
}
