// Draws Corral's icons into PNG files with nothing but node:zlib, so they can be
// regenerated anywhere: `node build/make-icons.mjs`. The output is committed.
//   build/icon.png                   1024 px: electron-builder makes .icns and .ico from it
//   build/icons/<n>x<n>.png          Linux icon set (and the window icon)
//   build/icons/tray/<state>.png     16 px tray icons, <state>@2x.png at 32 px
// Tray states: off (grey ring), sharing (green ring and dot), down (amber ring and
// dot), error (red ring and cross).
import { deflateSync } from 'node:zlib'
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const SAMPLES = 4 // supersampling per axis, for smooth edges

// ------------------------------------------------------------------ PNG encoding

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(buf) {
  let c = 0xffffffff
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk(type, data) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([len, body, crc])
}

/** RGBA pixels (size*size*4) to a PNG file: 8-bit RGBA, no interlace, filter 0 per row. */
export function encodePng(size, rgba) {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(size, 0)
  ihdr.writeUInt32BE(size, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 6 // colour type: RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1))
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4)
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

// ------------------------------------------------------------------ drawing

/** Shapes in unit coordinates (0..1, y down); each is a test `(x, y) => boolean`. */
const circle = (cx, cy, r) => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r
const ring = (cx, cy, r, w) => (x, y) => {
  const d = Math.hypot(x - cx, y - cy)
  return d <= r && d >= r - w
}
const roundedSquare = (inset, radius) => (x, y) => {
  const lo = inset + radius
  const hi = 1 - inset - radius
  const dx = Math.max(lo - x, 0, x - hi)
  const dy = Math.max(lo - y, 0, y - hi)
  return (
    x >= inset &&
    x <= 1 - inset &&
    y >= inset &&
    y <= 1 - inset &&
    dx * dx + dy * dy <= radius * radius
  )
}
const bar = (x0, y0, x1, y1, w) => (x, y) => {
  const vx = x1 - x0
  const vy = y1 - y0
  const t = Math.max(0, Math.min(1, ((x - x0) * vx + (y - y0) * vy) / (vx * vx + vy * vy)))
  return Math.hypot(x - (x0 + t * vx), y - (y0 + t * vy)) <= w / 2
}

/** Paints layers (`[shape, [r, g, b, a]]`, later on top) into RGBA pixels. */
function render(size, layers) {
  const out = Buffer.alloc(size * size * 4)
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0,
        g = 0,
        b = 0,
        a = 0
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const x = (px + (sx + 0.5) / SAMPLES) / size
          const y = (py + (sy + 0.5) / SAMPLES) / size
          let sr = 0,
            sg = 0,
            sb = 0,
            sa = 0 // premultiplied, "over" compositing
          for (const [inside, [lr, lg, lb, la]] of layers) {
            if (!inside(x, y)) continue
            const al = la / 255
            sr = lr * al + sr * (1 - al)
            sg = lg * al + sg * (1 - al)
            sb = lb * al + sb * (1 - al)
            sa = al + sa * (1 - al)
          }
          r += sr
          g += sg
          b += sb
          a += sa
        }
      }
      const n = SAMPLES * SAMPLES
      const i = (py * size + px) * 4
      const alpha = a / n
      out[i] = alpha > 0 ? Math.round(r / n / alpha) : 0
      out[i + 1] = alpha > 0 ? Math.round(g / n / alpha) : 0
      out[i + 2] = alpha > 0 ? Math.round(b / n / alpha) : 0
      out[i + 3] = Math.round(alpha * 255)
    }
  }
  return out
}

const WHITE = [255, 255, 255, 255]
const TEAL = [15, 118, 110, 255]
const COLORS = {
  off: [128, 128, 128, 255],
  sharing: [22, 163, 74, 255],
  down: [217, 119, 6, 255],
  error: [220, 38, 38, 255],
}

/** The app icon: a white ring (the corral) holding three dots, on a teal rounded square. */
function appIcon(size) {
  return render(size, [
    [roundedSquare(0.06, 0.18), TEAL],
    [ring(0.5, 0.5, 0.33, 0.07), WHITE],
    [circle(0.5, 0.39, 0.065), WHITE],
    [circle(0.4, 0.58, 0.065), WHITE],
    [circle(0.6, 0.58, 0.065), WHITE],
  ])
}

function trayIcon(size, state) {
  const color = COLORS[state]
  const layers = [[ring(0.5, 0.5, 0.44, 0.16), color]]
  if (state === 'sharing' || state === 'down') layers.push([circle(0.5, 0.5, 0.17), color])
  if (state === 'error') {
    layers.push(
      [bar(0.33, 0.33, 0.67, 0.67, 0.14), color],
      [bar(0.67, 0.33, 0.33, 0.67, 0.14), color],
    )
  }
  return render(size, layers)
}

function write(file, size, pixels) {
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, encodePng(size, pixels))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  write(path.join(here, 'icon.png'), 1024, appIcon(1024))
  for (const size of [16, 32, 48, 64, 128, 256, 512]) {
    write(path.join(here, 'icons', `${size}x${size}.png`), size, appIcon(size))
  }
  for (const state of Object.keys(COLORS)) {
    write(path.join(here, 'icons', 'tray', `${state}.png`), 16, trayIcon(16, state))
    write(path.join(here, 'icons', 'tray', `${state}@2x.png`), 32, trayIcon(32, state))
  }
  console.log('Icons written under build/.')
}
