// What the control server is built with, and what its route modules read of it: a module
// below server.ts, so the route modules it composes never import the server back.
import type { Sharing } from './sharing.js'

export interface ControlOptions {
  token: string
  /** The port it will listen on, for the Host check (set after listen when 0). */
  port: () => number
  uiDir: string | null
  sharing: Sharing
  /** This machine's subnets for the "this subnet" preset; default: its interfaces. */
  subnets?: () => string[]
}
