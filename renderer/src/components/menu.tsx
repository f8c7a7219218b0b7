// A "⋯" button that opens a short list of actions: on the page's body (a table cell's
// overflow cannot clip it), under the button (above it near the bottom), kept inside the
// window and following the button when something scrolls. Escape, Tab or a click elsewhere
// closes it; arrow keys move between items.
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react'
import { createPortal } from 'react-dom'

export interface MenuItem {
  label: string
  onSelect: () => void
  danger?: boolean
  /** Shown as pressed (a toggle such as "Mine"). */
  checked?: boolean
  hint?: string
}

const MENU_WIDTH_PX = 220
const EDGE_PX = 8

export function Menu({ label, items }: { label: string; items: MenuItem[] }) {
  const [open, setOpen] = useState(false)
  const button = useRef<HTMLButtonElement>(null)
  const list = useRef<HTMLDivElement>(null)
  const [at, setAt] = useState<{ top: number; left: number } | null>(null)
  const place = useCallback(() => {
    if (!button.current) return
    const r = button.current.getBoundingClientRect()
    const left = Math.max(
      EDGE_PX,
      Math.min(r.right - MENU_WIDTH_PX, innerWidth - MENU_WIDTH_PX - EDGE_PX),
    )
    const height = list.current?.offsetHeight ?? 0
    const below = r.bottom + 4
    const top =
      below + height > innerHeight - EDGE_PX ? Math.max(EDGE_PX, r.top - 4 - height) : below
    setAt({ top, left })
  }, [])
  useLayoutEffect(() => {
    if (open) place()
  }, [open, place])
  useEffect(() => {
    if (!open) return
    // Without scrolling: the list may not be in its place yet.
    list.current?.querySelector<HTMLElement>('[role^="menuitem"]')?.focus({ preventScroll: true })
    const away = (e: PointerEvent) => {
      const t = e.target as Node
      if (!list.current?.contains(t) && !button.current?.contains(t)) setOpen(false)
    }
    // The button moves with what scrolls (the page, a table): the list follows it.
    document.addEventListener('pointerdown', away)
    window.addEventListener('resize', place)
    window.addEventListener('scroll', place, true)
    return () => {
      document.removeEventListener('pointerdown', away)
      window.removeEventListener('resize', place)
      window.removeEventListener('scroll', place, true)
    }
  }, [open, place])
  const onKeyDown = (e: React.KeyboardEvent) => {
    const items = [...(list.current?.querySelectorAll<HTMLElement>('[role^="menuitem"]') ?? [])]
    const i = items.indexOf(document.activeElement as HTMLElement)
    if (e.key === 'Escape' || e.key === 'Tab') {
      e.preventDefault()
      setOpen(false)
      button.current?.focus()
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault()
      const step = e.key === 'ArrowDown' ? 1 : -1
      items[(i + step + items.length) % items.length]?.focus()
    }
  }
  let body: ReactNode = null
  if (open) {
    body = createPortal(
      <div
        ref={list}
        className="menu"
        role="menu"
        aria-label={label}
        style={{ top: at?.top ?? -9999, left: at?.left ?? -9999, width: MENU_WIDTH_PX }}
        onKeyDown={onKeyDown}
      >
        {items.map((item) => (
          <button
            key={item.label}
            type="button"
            role={item.checked === undefined ? 'menuitem' : 'menuitemcheckbox'}
            aria-checked={item.checked}
            className={`menu-item${item.danger ? ' menu-item-danger' : ''}`}
            title={item.hint}
            onClick={() => {
              setOpen(false)
              item.onSelect()
            }}
          >
            <span>{item.label}</span>
            {item.checked ? <span aria-hidden="true">✓</span> : null}
          </button>
        ))}
      </div>,
      document.body,
    )
  }
  return (
    <>
      <button
        ref={button}
        type="button"
        className="btn btn-ghost btn-sm menu-button"
        aria-label={label}
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
      >
        <span aria-hidden="true">⋯</span>
      </button>
      {body}
    </>
  )
}
