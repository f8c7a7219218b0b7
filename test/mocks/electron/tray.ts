// nativeImage, Menu and Tray: what the tray is made of.
import { EventEmitter } from 'node:events'
import fs from 'node:fs'

export class NativeImage {
  template = false
  constructor(
    readonly path: string | null,
    private readonly empty: boolean,
  ) {}
  isEmpty(): boolean {
    return this.empty
  }
  setTemplateImage(on: boolean): void {
    this.template = on
  }
  isTemplateImage(): boolean {
    return this.template
  }
  getSize() {
    return { width: this.empty ? 0 : 16, height: this.empty ? 0 : 16 }
  }
}

export const nativeImage = {
  /** Like Electron: a file that does not exist gives an empty image, not an error. */
  createFromPath: (p: string) => new NativeImage(p, !fs.existsSync(p)),
  createFromBuffer: (buf: Buffer) => new NativeImage(null, buf.length === 0),
  createEmpty: () => new NativeImage(null, true),
}

type ItemOptions = {
  label?: string
  type?: string
  checked?: boolean
  enabled?: boolean
  visible?: boolean
  id?: string
  toolTip?: string
  role?: string
  submenu?: ItemOptions[]
  click?: (item: MenuItem, win: undefined, event: object) => void
}

/**
 * The submenus Electron gives the menu roles when a template names none (electron
 * lib/browser/api/menu-item-roles.ts; the macOS-only entries of editMenu left out).
 */
const ROLE_SUBMENUS: Record<string, string[]> = {
  appmenu: ['about', 'services', 'hide', 'hideOthers', 'unhide', 'quit'],
  filemenu: ['quit'],
  editmenu: ['undo', 'redo', 'cut', 'copy', 'paste', 'delete', 'selectAll'],
  viewmenu: [
    'reload',
    'forceReload',
    'toggleDevTools',
    'resetZoom',
    'zoomIn',
    'zoomOut',
    'togglefullscreen',
  ],
  windowmenu: ['minimize', 'zoom', 'close'],
}

export class MenuItem {
  label: string
  role: string | undefined
  type: string
  checked: boolean
  enabled: boolean
  visible: boolean
  id: string | undefined
  toolTip: string
  submenu: Menu | undefined
  private readonly onClick: ItemOptions['click']
  constructor(o: ItemOptions) {
    this.label = o.label ?? ''
    this.type = o.type ?? (o.submenu ? 'submenu' : 'normal')
    this.checked = o.checked ?? false
    this.enabled = o.enabled ?? true
    this.visible = o.visible ?? true
    this.id = o.id
    this.toolTip = o.toolTip ?? ''
    this.role = o.role
    const roleItems = o.role ? ROLE_SUBMENUS[o.role.toLowerCase()] : undefined
    const submenu = o.submenu ?? roleItems?.map((role) => ({ role }))
    if (submenu && !o.type) this.type = 'submenu'
    this.submenu = submenu ? Menu.buildFromTemplate(submenu) : undefined
    this.onClick = o.click
  }
  /** What a user's click does: a checkbox flips first, then the handler runs. */
  click(): void {
    if (!this.enabled) throw new Error(`menu item "${this.label}" is disabled`)
    if (this.type === 'checkbox') this.checked = !this.checked
    this.onClick?.(this, undefined, {})
  }
}

export class Menu extends EventEmitter {
  static applicationMenu: Menu | null = null
  items: MenuItem[] = []
  static buildFromTemplate(template: ItemOptions[]): Menu {
    const menu = new Menu()
    menu.items = template.map((o) => new MenuItem(o))
    return menu
  }
  static setApplicationMenu(menu: Menu | null): void {
    Menu.applicationMenu = menu
  }
  static getApplicationMenu(): Menu | null {
    return Menu.applicationMenu
  }
  append(item: MenuItem): void {
    this.items.push(item)
  }
  getMenuItemById(id: string): MenuItem | null {
    return this.items.find((i) => i.id === id) ?? null
  }
  /** Like Electron: opening emits 'menu-will-show', closing 'menu-will-close' (docs/api/menu.md). */
  popup(): void {
    this.emit('menu-will-show', {})
  }
  closePopup(): void {
    this.emit('menu-will-close', {})
  }
}

export class Tray extends EventEmitter {
  static all: Tray[] = []
  image: NativeImage | string
  tooltip = ''
  title = ''
  menu: Menu | null = null
  destroyed = false
  constructor(image: NativeImage | string) {
    super()
    this.image = image
    Tray.all.push(this)
  }
  setImage(image: NativeImage | string): void {
    this.image = image
  }
  getImage(): NativeImage | string {
    return this.image
  }
  setToolTip(t: string): void {
    this.tooltip = t
  }
  setTitle(t: string): void {
    this.title = t
  }
  setContextMenu(menu: Menu | null): void {
    this.menu = menu
  }
  getMenu(): Menu | null {
    return this.menu
  }
  /** The user opens the tray's context menu (tests). */
  openMenu(): Menu {
    if (!this.menu) throw new Error('the tray has no menu')
    this.menu.popup()
    return this.menu
  }
  destroy(): void {
    this.destroyed = true
    Tray.all = Tray.all.filter((t) => t !== this)
  }
  isDestroyed(): boolean {
    return this.destroyed
  }
}
