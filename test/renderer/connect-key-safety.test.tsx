// @vitest-environment jsdom
// Issue 25: a key never offered over plain http:// with HTTPS on (the key view says why there
// is no QR code), and the connect page takes the key out of the address bar once read.
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, render, screen } from '@testing-library/react'
import { KeyReveal } from '../../renderer/src/views/key-reveal.js'
import { takeFragment } from '../../renderer/src/connect/fragment.js'
import { keyView } from './fixtures.js'

afterEach(cleanup)

const KEY = 'crl_h3Y-x_Qq0123456789abcdefghijklmnopqrstuvw'

describe('a new key with HTTPS on and no usable certificate', () => {
  it('shows what is wrong instead of a QR code or a setup link', () => {
    const problem =
      'HTTPS is on but its certificate cannot be used (the file is missing), so there is no connect link or QR code'
    render(
      <KeyReveal
        created={{ ...keyView(), key: KEY, connectUrls: [], connectProblem: problem }}
        sharing
      />,
    )
    expect(screen.getByText('No setup link or QR code')).toBeTruthy()
    expect(screen.getByText(problem)).toBeTruthy()
    expect(screen.queryByTestId('connect-url')).toBeNull()
    expect(screen.queryByRole('img')).toBeNull()
    // The key itself is still shown once, to copy by hand.
    expect(screen.getByTestId('new-key').textContent).toBe(KEY)
  })
})

describe('the connect page’s link fragment', () => {
  it('is read once and removed from the address bar without a new history entry', () => {
    window.history.replaceState(null, '', `/connect?x=1#key=${KEY}&fp=ab12`)
    const entries = window.history.length
    expect(takeFragment(window)).toBe(`#key=${KEY}&fp=ab12`)
    expect(window.location.href).not.toContain(KEY)
    expect(window.location.pathname + window.location.search).toBe('/connect?x=1')
    expect(window.history.length).toBe(entries)
  })

  it('a fragment without a key stays', () => {
    window.history.replaceState(null, '', '/connect#snippets')
    expect(takeFragment(window)).toBe('#snippets')
    expect(window.location.hash).toBe('#snippets')
  })
})
