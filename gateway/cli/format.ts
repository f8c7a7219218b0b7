import { escapeForTerminal } from '../untrusted/escape.js'

/**
 * A plain text table: columns padded to their widest cell. Each cell is shown with its
 * control and bidi characters escaped (a model name or an mDNS name is outside input).
 */
export function table(headers: string[], cells: string[][]): string {
  const rows = cells.map((r) => r.map(escapeForTerminal))
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  return [line(headers), ...rows.map(line)].join('\n')
}
