// The desktop app once Electron is ready: the gateway in-process, then each part set
// up in turn (web rules, window, IPC, login item, tray, notifications, lifecycle).
// `main.ts` calls it with the real data dir; tests call it with a temp one.
import path from 'node:path'
import { app, clipboard } from 'electron'
import type { RunningCorral } from '../gateway/server.js'
import { createLogger, type Logger } from '../gateway/util/logger.js'
import { endPauseEveryone, pauseEveryone } from '../gateway/owner/manage.js'
import { appFiles, APP_ID, type AppFiles } from './paths.js'
import { startGateway, messageOf, type GatewayOptions } from './gateway.js'
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
  /** Passed on to startCorral (tests: host, ports, health checks, discovery). */
  gateway?: Partial<Omit<GatewayOptions, 'dataDir' | 'logger'>>
  /** Open the window at launch; default: yes, unless launched at login. */
  showWindow?: boolean
  /** The main process's log file (the tray's "Show log"). */
  logFile?: string
  /** Linux: whether a tray host answers; default: asks the session bus (tray-host.ts). */
  trayHost?: () => Promise<TrayHost>
}

export interface Desktop {
  /** Null when the gateway could not start (the tray says why). */
  running: RunningCorral | null
  window: MainWindow | null
  tray: TrayHandle
  loginItem: LoginItem
  lifecycle: Lifecycle
  status(): AppStatus
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

  const started = await startGateway({
    dataDir: opts.dataDir,
    logger,
    uiDir: files.uiDir,
    ...opts.gateway,
  })
  const running = started.running
  const state = { error: started.error }
  if (state.error) logger.error(state.error)

  const { window, disposeIpc } = setupPage(running, files, logger, platform)
  let tray: TrayHandle | null = null
  const refresh = () => tray?.refresh()
  const loginItem = setupLoginItem({
    corral: running?.corral ?? null,
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
  firewall.sharing(running?.sharing.isOn() ?? false)
  const switchSharing = sharingSwitch(running, state, logger, refresh)
  const setSharing = async (on: boolean) => {
    await switchSharing(on)
    firewall.sharing(running?.sharing.isOn() ?? false)
  }
  const shareHere = async () => {
    await running?.sharing
      .shareHere()
      .catch((err: unknown) => logger.error(`Share on this network: ${messageOf(err)}`))
    refresh()
  }
  const status = () =>
    readStatus(running, { error: state.error ?? firewallError, startAtLogin: loginItem.isOn() })
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
      setPauseEveryone: (on) => void pauseEveryoneSwitch(running, on, logger).finally(refresh),
      quit: () => app.quit(),
      ...(opts.logFile ? { showLog: () => showLogFile(opts.logFile!, logger) } : {}),
    },
    iconsDir: files.iconsDir,
    onClick: () => window?.show(),
    platform,
  })
  tray = trayHandle
  const offEvents = setupEvents(running, refresh, {
    openWindow: () => window?.show(),
    openKeys: () => window?.show('keys'),
  })
  const offNetwork = running
    ? setupNetworkNotice({ network: running.network, shareHere: () => void shareHere() })
    : () => {}
  running?.network.on('change', refresh)

  const offShutdown = setupSystemShutdown({ running, logger, platform, dataDir: opts.dataDir })
  const lifecycle = setupLifecycle({
    running,
    logger,
    beforeShutdown: () => {
      offShutdown()
      firewall.dispose()
      releaseAll()
      offEvents()
      offNetwork()
      running?.network.off('change', refresh)
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
    running,
    window,
    tray: trayHandle,
    loginItem,
    lifecycle,
    status,
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
  running: RunningCorral | null,
  files: AppFiles,
  logger: Logger,
  platform: NodeJS.Platform,
): { window: MainWindow | null; disposeIpc: () => void } {
  const controlOrigin = running ? new URL(running.controlUrl).origin : null
  setupWebSecurity({ controlOrigin: () => controlOrigin, logger })
  if (!running || !controlOrigin) return { window: null, disposeIpc: () => {} }
  const window = setupWindow({
    controlUrl: running.controlUrl,
    preload: files.preload,
    icon: path.join(files.iconsDir, '512x512.png'),
    logger,
    platform,
  })
  const disposeIpc = setupIpc({
    token: running.token,
    controlOrigin,
    isAppContents: window.isAppContents,
    logger,
  })
  return { window, disposeIpc }
}

/** The tray's toggle: a failure becomes the tray's error until a toggle succeeds. */
function sharingSwitch(
  running: RunningCorral | null,
  state: { error: string | null },
  logger: Logger,
  refresh: () => void,
): (on: boolean) => Promise<void> {
  return async (on) => {
    if (!running) return
    try {
      await running.sharing.set(on)
      state.error = null
    } catch (err) {
      state.error = `Could not ${on ? 'share on the LAN' : 'stop sharing'}: ${messageOf(err)}`
      logger.error(state.error)
    }
    refresh()
  }
}

/** Health changes redraw the tray at once (not at the next tick); notifications. */
function setupEvents(
  running: RunningCorral | null,
  refresh: () => void,
  open: { openWindow: () => void; openKeys: () => void },
): () => void {
  if (!running) return () => {}
  const corral = running.corral
  corral.events.on('backend-health', refresh)
  // A device asking shows in the tray at once, and in a notification (issue 26).
  corral.events.on('device-asked', refresh)
  const offNotices = setupNotifications({
    events: corral.events,
    config: () => corral.config,
    onClick: open.openWindow,
  })
  const offDevices = setupDeviceNotifications({
    events: corral.events,
    config: () => corral.config,
    onClick: open.openKeys,
  })
  return () => {
    corral.events.off('backend-health', refresh)
    corral.events.off('device-asked', refresh)
    offNotices()
    offDevices()
  }
}

/** The tray's "Pause everyone but me": on until resumed, off ends only that pause. */
async function pauseEveryoneSwitch(
  running: RunningCorral | null,
  on: boolean,
  logger: Logger,
): Promise<void> {
  if (!running) return
  const corral = running.corral
  const update = (m: Parameters<typeof corral.update>[0]) => corral.update(m)
  try {
    if (on) await pauseEveryone(update, {}, corral.now())
    else await endPauseEveryone(update)
  } catch (err) {
    logger.error(`Pause everyone but me: ${messageOf(err)}`)
  }
}
