// Builds the control window (index.html → dist/renderer/) and the connect page:
// dist/renderer/connect.html, ONE self-contained file with its script and styles
// inlined, because the gateway serves it at /connect under a CSP that lets it
// load nothing else (see gateway/control/connect-page.ts).
import { defineConfig, type Plugin } from 'vite'
import react from '@vitejs/plugin-react'
import { build } from 'esbuild'

/** A file URL as a path (without node:url: this file is type-checked as web code). */
function pathOf(url: URL): string {
  const p = decodeURIComponent(url.pathname)
  return /^\/[A-Za-z]:\//.test(p) ? p.slice(1) : p
}

const root = pathOf(new URL('.', import.meta.url))

/** A small icon (the Corral mark) inline, so no request is made for /favicon.ico. */
export const FAVICON =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Crect width='32' height='32' rx='8' fill='%230d7a6f'/%3E%3Ccircle cx='16' cy='16' r='8.5' fill='none' stroke='white' stroke-width='2.5'/%3E%3Ccircle cx='16' cy='16' r='3' fill='white'/%3E%3C/svg%3E"

/** `</script` or `</style` inside inlined code would end the element early. */
function inlineSafe(code: string, tag: 'script' | 'style'): string {
  return code.replace(new RegExp(`</(${tag})`, 'gi'), '<\\/$1')
}

export function connectPageHtml(js: string, css: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<meta name="color-scheme" content="light dark">
<title>Connect to Corral</title>
<link rel="icon" href="${FAVICON}">
<style>${inlineSafe(css, 'style')}</style>
</head>
<body>
<div id="root"></div>
<noscript><p style="padding:16px">This page needs JavaScript to show the settings for your key.</p></noscript>
<script>${inlineSafe(js, 'script')}</script>
</body>
</html>
`
}

/** Bundles src/connect/main.tsx with esbuild and emits it inlined as connect.html. */
function connectPage(): Plugin {
  return {
    name: 'corral-connect-page',
    apply: 'build',
    async generateBundle() {
      const result = await build({
        absWorkingDir: root,
        entryPoints: ['src/connect/main.tsx'],
        bundle: true,
        write: false,
        outdir: 'out',
        format: 'iife',
        platform: 'browser',
        target: 'es2020',
        jsx: 'automatic',
        minify: true,
        legalComments: 'none',
        define: { 'process.env.NODE_ENV': '"production"' },
        logLevel: 'warning',
      })
      const js = result.outputFiles.find((f) => f.path.endsWith('.js'))?.text ?? ''
      const css = result.outputFiles.find((f) => f.path.endsWith('.css'))?.text ?? ''
      if (!js) this.error('the connect page did not build')
      this.emitFile({ type: 'asset', fileName: 'connect.html', source: connectPageHtml(js, css) })
    },
  }
}

export default defineConfig({
  root,
  base: './',
  plugins: [react(), connectPage()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // Inline nothing: the control window's CSP allows scripts from 'self' only.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: { host: '127.0.0.1' },
})
