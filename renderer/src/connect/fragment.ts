// The connect link's fragment (`#key=...&fp=...`), read once and taken out of the address
// bar: the key would otherwise stay in the browser's history, its synced tabs and anyone's
// view of the screen. replaceState changes the current history entry without a new one and
// without reloading; the page keeps the key in memory for as long as it is open.

/** The fragment as the page opened with it; removed from the address bar when it has a key. */
export function takeFragment(win: Pick<Window, 'location' | 'history'>): string {
  const hash = win.location.hash
  if (/(?:^#|&)key=/.test(hash)) {
    win.history.replaceState(win.history.state, '', win.location.pathname + win.location.search)
  }
  return hash
}
