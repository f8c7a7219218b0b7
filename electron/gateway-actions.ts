// What the tray (and the network notification) asks of the gateway, through the control API
// like the window's buttons: sharing on and off, "Share on this network", "Pause everyone
// but me". Each re-reads the gateway afterwards, so the tray draws what is true now.
import type { Logger } from '../gateway/util/logger.js'
import type { GatewayLink } from './gateway-link.js'
import type { StartAtLoginSetting } from './login-item.js'
import { messageOf } from './gateway.js'

export interface GatewayActions {
  /** Resolves with the error to show in the tray, or null when it worked. */
  setSharing(on: boolean): Promise<string | null>
  shareHere(): Promise<void>
  setPauseEveryone(on: boolean): Promise<void>
  startAtLogin: StartAtLoginSetting
}

export function gatewayActions(link: GatewayLink, logger: Logger): GatewayActions {
  const api = link.api
  return {
    async setSharing(on) {
      let error: string | null = null
      try {
        await api.post('/control/sharing', { on })
      } catch (err) {
        error = `Could not ${on ? 'share on the LAN' : 'stop sharing'}: ${messageOf(err)}`
        logger.error(error)
      }
      await link.refresh()
      return error
    },
    async shareHere() {
      await api
        .post('/control/network/share-here')
        .catch((err: unknown) => logger.error(`Share on this network: ${messageOf(err)}`))
      await link.refresh()
    },
    async setPauseEveryone(on) {
      try {
        // Off ends only that pause: keys paused one by one stay paused.
        if (on) await api.post('/control/pause-all', {})
        else await api.delete('/control/pause-all')
      } catch (err) {
        logger.error(`Pause everyone but me: ${messageOf(err)}`)
      }
      await link.refresh()
    },
    startAtLogin: {
      read: () => link.snapshot()?.settings.desktop.startAtLogin ?? null,
      async save(on) {
        await api.patch('/control/settings', { desktop: { startAtLogin: on } })
        await link.refresh()
      },
      onChange(fn) {
        const listener = (s: { desktop: { startAtLogin: boolean } }) => fn(s.desktop.startAtLogin)
        link.on('settings', listener)
        return () => void link.off('settings', listener)
      },
    },
  }
}
