// @vitest-environment jsdom
// The connect page's `ollama` command line section: the two lines for each shell, no key.
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, render, screen } from '@testing-library/react'
import { ConnectPage } from '../../renderer/src/connect/connect-page.js'

afterEach(cleanup)

const KEY = 'crl_h3Y-x_Qq0123456789abcdefghijklmnopqrstuvw'
const ORIGIN = 'http://127.0.0.1:9'

describe('the ollama command line on the connect page', () => {
  it('gives the two lines for bash/zsh, PowerShell and cmd, and never the key', () => {
    render(<ConnectPage origin={ORIGIN} hash={`#key=${KEY}`} />)
    const text = screen.getByTestId('snippet-ollama-cli').textContent ?? ''
    expect(text).toContain(`export OLLAMA_HOST=${ORIGIN}\nexport OLLAMA_AUTH=1`)
    expect(text).toContain(`$env:OLLAMA_HOST="${ORIGIN}"\n$env:OLLAMA_AUTH="1"`)
    expect(text).toContain(`set OLLAMA_HOST=${ORIGIN}\nset OLLAMA_AUTH=1`)
    expect(text).toContain('ssh-keygen -t ed25519 -f ~/.ollama/id_ed25519 -N ""')
    expect(text).not.toContain(KEY)
  })
})
