// The desktop app once Electron is ready: the gateway in its own process (a utilityProcess,
// gateway-host.ts), reached only through the control API (gateway-link.ts), then each part
// set up in turn (web rules, window, IPC, login item, tray, notifications, lifecycle).
// `main.ts` calls it with the real data dir; tests call it with a temp one, and may run the
// gateway another way (`host`): the app still reaches it only over HTTP.
import path from 'node:path'
import { app, clipboard } from 'electron'
import { createLogger, type Logger } from '../gateway/util/logger.js'
import type { GatewayHost } from '../gateway/child/supervisor.js'
import { dataFiles } from '../gateway/config/paths.js'
import { removeControlInfo } from '../gateway/control-info.js'
import { appFiles, APP_ID, type AppFiles } from './paths.js'
import { messageOf } from './gateway.js'
import { setupGatewayHost } from './gateway-host.js'
import { createGatewayLink, type GatewayLink, type NetworkJson } from './gateway-link.js'
import { gatewayActions } from './gateway-actions.js'
import { readStatus, type AppStatus } from './status.js'
import { setupWebSecurity } from './web-security.js'
import { setupWindow, type MainWindow } from './window.js'
import { setupIpc } from './ipc.js'
import { launchedAtLogin, setupLoginItem, type LoginItem } from './login-item.js'
import { setupTray, type TrayHandle } from './tray.js'
import { noTrayNotice, setupNetworkNotice, setupNotifications } from './notifications.js'
import { setupDeviceNotifications } from './device-notifications.js'
import { setupLifecycle, type Lifecycle } from './lifecycle.js'
import { setupSystemShutdown } from './system-shutdown.js'
import { setupTrayHostCheck, type TrayHost } from './tray-host.js'
import { copyOrShow, showLogFile } from './desktop-actions.js'
import { releaseAll } from './kept-notifications.js'
import { setupFirewallWatch } from './firewall-check.js'

export interface DesktopOptions {
  dataDir: string
  logger?: Logger
  files?: AppFiles
  platform?: NodeJS.Platform
  env?: NodeJS.ProcessEnv
  argv?: readonly string[]
  /**
   * What runs the gateway; default: a utilityProcess child (gateway-host.ts). Tests pass
   * the gateway in-process (gateway/child/in-process.ts) or a Node child.
   */
  host?: GatewayHost
  /** Open the window at launch; default: yes, unless launched at login. */
  showWindow?: boolean
  /** The main process's log file (the tray's "Show log"). */
  logFile?: string
  /** Where the gateway child's log lines go (the app's log); default: inherited stderr. */
  gatewayOutput?: (line: string) => void
  /** Linux: whether a tray host answers; default: asks the session bus (tray-host.ts). */
  trayHost?: () => Promise<TrayHost>
}

export interface Desktop {
  /** What runs the gateway: the supervised child, or in tests the in-process gateway. */
  host: GatewayHost
  link: GatewayLink
  /** Null when the gateway could not start (the tray says why). */
  window: MainWindow | null
  tray: TrayHandle
  loginItem: LoginItem
  lifecycle: Lifecycle
  /** What the tray shows now (from the last read of the control API). */
  status(): AppStatus
  /** Reads the gateway again and redraws the tray; resolves once drawn. */
  refresh(): Promise<void>
  /** What the tray's toggle does: start or stop the LAN listener and mDNS. */
  setSharing(on: boolean): Promise<void>
  /** What "Share on this network" does (the tray item and the notification). */
  shareHere(): Promise<void>
  /** Quits the app the way the tray's Quit does; resolves once shut down. */
  quit(): Promise<void>
  /** Linux: resolves once it is known whether the tray can be shown (tests). */
  trayHostChecked: Promise<TrayHost>
}

export async function startDesktop(opts: DesktopOptions): Promise<Desktop> {
  const logger = opts.logger ?? createLogger({ name: 'corral-app' })
  const files = opts.files ?? appFiles()
  const platform = opts.platform ?? process.platform
  if (platform === 'win32') app.setAppUserModelId(APP_ID)

  const host =
    opts.host ??
    setupGatewayHost({ dataDir: opts.dataDir, files, logger, output: opts.gatewayOutput })
  const link = createGatewayLink(host, logger)
  const startError = await link.start()
  // Why the gateway is not (fully) up: it could not start, or started without the LAN.
  const state = { error: startError ?? link.lastReady()?.error ?? null }
  if (state.error) logger.error(state.error)
  const actions = gatewayActions(link, logger)

  const { window, disposeIpc } = setupPage(link, files, logger, platform)
  let tray: TrayHandle | null = null
  const refresh = () => tray?.refresh()
  const loginItem = setupLoginItem({
    setting: startError ? null : actions.startAtLogin,
    logger,
    platform,
    env: opts.env,
    onChange: refresh,
  })
  // Windows: a dismissed firewall prompt blocks the LAN while sharing is on (firewall-check.ts).
  let firewallError: string | null = null
  const firewall = setupFirewallWatch({
    platform,
    onChange: (message) => {
      firewallError = message
      if (message) logger.warn(message)
      refresh()
    },
  })
  const isSharing = () => link.snapshot()?.status.sharing ?? false
  firewall.sharing(isSharing())
  const setSharing = async (on: boolean) => {
    if (startError) return
    // A failure is the tray's error until a toggle succeeds.
    state.error = await actions.setSharing(on)
    firewall.sharing(isSharing())
    refresh()
  }
  const shareHere = async () => {
    await actions.shareHere()
    refresh()
  }
  const status = () =>
    readStatus(link.snapshot(), {
      error: state.error ?? link.problem() ?? firewallError,
      startAtLogin: loginItem.isOn(),
    })
  const trayHandle = setupTray({
    status,
    actions: {
      setSharing: (on) => void setSharing(on),
      copyUrl: (url) => copyOrShow(url, { clipboard, openWindow: () => window?.show(), logger }),
      addDevice: () => window?.show('add-device'),
      addGuest: () => window?.show('add-guest'),
      openWindow: () => window?.show(),
      openKeys: () => window?.show('keys'),
      shareHere: () => void shareHere(),
      setStartAtLogin: (on) =>
        void loginItem
          .set(on)
          .catch((err: unknown) => logger.error(`Start at login: ${messageOf(err)}`))
          .finally(refresh),
      setPauseEveryone: (on) => void actions.setPauseEveryone(on).finally(refresh),
      quit: () => app.quit(),
      ...(opts.logFile ? { showLog: () => showLogFile(opts.logFile!, logger) } : {}),
    },
    iconsDir: files.iconsDir,
    onClick: () => window?.show(),
    platform,
  })
  tray = trayHandle
  const offEvents = setupEvents(link, trayHandle, {
    openWindow: () => window?.show(),
    openKeys: () => window?.show('keys'),
    shareHere: () => void shareHere(),
  })
  // A restarted gateway: a new token, maybe a new port; the page must load again to get them.
  let shown = link.lastReady()
  const onReady = (ready: { controlUrl: string; token: string; error: string | null }) => {
    if (shown && (shown.controlUrl !== ready.controlUrl || shown.token !== ready.token)) {
      window?.reload()
    }
    shown = link.lastReady()
    state.error = ready.error
    refresh()
  }
  link.on('ready', onReady)

  const offShutdown = setupSystemShutdown({
    endGateway: () => link.stop('session-end'),
    removeControlInfo: () => {
      const token = link.lastReady()?.token
      if (token) removeControlInfo(dataFiles(opts.dataDir).control, token)
    },
    logger,
    platform,
  })
  const lifecycle = setupLifecycle({
    stopGateway: () => link.stop(),
    logger,
    beforeShutdown: () => {
      offShutdown()
      firewall.dispose()
      releaseAll()
      offEvents()
      link.off('ready', onReady)
      loginItem.dispose()
      disposeIpc()
      // Closing the page first ends its live-stats stream, so the control listener can close.
      window?.destroy()
    },
    afterShutdown: () => trayHandle.destroy(),
    onActivate: () => window?.show(),
  })

  if (window && (opts.showWindow ?? !launchedAtLogin(opts.argv, platform))) window.show()
  else if (platform === 'darwin') app.dock?.hide()
  // No tray host (stock GNOME): the icon is invisible, so the window opens and says why.
  const trayHostChecked = setupTrayHostCheck({
    platform,
    ...(opts.trayHost ? { find: opts.trayHost } : {}),
    onAbsent: (message) => {
      logger.warn(message)
      window?.show()
      noTrayNotice()
    },
  })

  return {
    host,
    link,
    window,
    tray: trayHandle,
    loginItem,
    lifecycle,
    status,
    refresh: async () => {
      await link.refresh()
      trayHandle.refresh()
    },
    setSharing,
    shareHere,
    quit: async () => {
      app.quit()
      await lifecycle.stopped()
    },
    trayHostChecked,
  }
}

/** The rules for web pages, the window (created on first use) and its IPC. */
function setupPage(
  link: GatewayLink,
  files: AppFiles,
  logger: Logger,
  platform: NodeJS.Platform,
): { window: MainWindow | null; disposeIpc: () => void } {
  // While the gateway restarts, the page keeps the origin it was loaded from.
  const origin = () => {
    const ready = link.lastReady()
    return ready ? new URL(ready.controlUrl).origin : null
  }
  setupWebSecurity({ controlOrigin: origin, logger })
  const first = link.lastReady()
  if (!first) return { window: null, disposeIpc: () => {} }
  const window = setupWindow({
    controlUrl: () => (link.lastReady() ?? first).controlUrl,
    preload: files.preload,
    icon: path.join(files.iconsDir, '512x512.png'),
    logger,
    platform,
  })
  const disposeIpc = setupIpc({
    token: () => (link.lastReady() ?? first).token,
    controlOrigin: () => origin() ?? '',
    isAppContents: window.isAppContents,
    logger,
  })
  return { window, disposeIpc }
}

/**
 * The live feed: a backend's health or a device asking redraws the tray at once (not at
 * the next read), with notifications; each read may change what the tray shows.
 */
function setupEvents(
  link: GatewayLink,
  tray: TrayHandle,
  open: { openWindow: () => void; openKeys: () => void; shareHere: () => void },
): () => void {
  const refresh = () => tray.refresh()
  const tick = () => tray.tick()
  link.on('changed', tick)
  link.on('backend-health', refresh)
  // A device asking shows in the tray at once, and in a notification (issue 26).
  link.on('device-asked', refresh)
  const settings = () => link.snapshot()?.settings ?? null
  const offNotices = setupNotifications({
    events: link,
    config: settings,
    onClick: open.openWindow,
  })
  const offDevices = setupDeviceNotifications({
    events: link,
    config: settings,
    onClick: open.openKeys,
  })
  const offNetwork = setupNetworkNotice({
    network: {
      on: (_change: 'change', fn: (s: NetworkJson) => void) => link.on('network', fn),
      off: (_change: 'change', fn: (s: NetworkJson) => void) => link.off('network', fn),
    },
    shareHere: open.shareHere,
  })
  return () => {
    link.off('changed', tick)
    link.off('backend-health', refresh)
    link.off('device-asked', refresh)
    offNotices()
    offDevices()
    offNetwork()
  }
}
