// Copying to the clipboard, also where navigator.clipboard is missing: the
// connect page is served over plain http on a LAN address (not a secure context).

/** Copies `text`; resolves false when the browser would not let it. */
export async function copyText(text: string, doc: Document = document): Promise<boolean> {
  const clipboard = doc.defaultView?.navigator.clipboard
  if (clipboard && doc.defaultView?.isSecureContext) {
    try {
      await clipboard.writeText(text)
      return true
    } catch {
      // fall through to the old way
    }
  }
  const area = doc.createElement('textarea')
  area.value = text
  area.setAttribute('readonly', '')
  area.style.position = 'fixed'
  area.style.opacity = '0'
  area.style.left = '-9999px'
  doc.body.appendChild(area)
  const focused = doc.activeElement as HTMLElement | null
  area.select()
  area.setSelectionRange(0, text.length)
  let ok = false
  try {
    ok = doc.execCommand('copy')
  } catch {
    ok = false
  }
  area.remove()
  focused?.focus()
  return ok
}
