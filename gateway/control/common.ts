/** Every control API path starts here; everything else on the control port is the UI. */
export const CONTROL_PREFIX = '/control'

/** A control API refusal: its status and a message for people. */
export class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
    this.name = 'ControlError'
  }
}
