// Build the gateway once before the suites that run `corral` as a real command.
import { execFileSync } from 'node:child_process'

export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs', 'gateway'], { stdio: 'inherit' })
}
