// shell, clipboard and Notification.
import { EventEmitter } from 'node:events'

export const shell = {
  opened: [] as string[],
  openExternal(url: string): Promise<void> {
    shell.opened.push(url)
    return Promise.resolve()
  },
  openPath: (p: string) => Promise.resolve(p ? '' : 'no path'),
  showItemInFolder: () => {},
}

export const clipboard = {
  text: '',
  writeText(t: string): void {
    clipboard.text = t
  },
  readText: (): string => clipboard.text,
}

export class Notification extends EventEmitter {
  static supported = true
  static shown: Notification[] = []
  static isSupported(): boolean {
    return Notification.supported
  }
  readonly title: string
  readonly body: string
  constructor(readonly options: { title?: string; body?: string } = {}) {
    super()
    this.title = options.title ?? ''
    this.body = options.body ?? ''
  }
  show(): void {
    Notification.shown.push(this)
  }
  close(): void {}
}
