// The `ollama` command line: no key to paste. With OLLAMA_AUTH=1 it signs each request with
// this computer's ~/.ollama/id_ed25519 (gateway/device-keys/), and the owner allows the
// device the first time. The two lines per shell, and how to make the key file.

/** A snippet (snippets.ts Snippet), made without importing it back. */
export function ollamaCliSnippet(ollamaUrl: string): {
  id: string
  title: string
  intro: string
  blocks: Array<{ label: string; code: string }>
} {
  return {
    id: 'ollama-cli',
    title: 'ollama (command line)',
    intro:
      'Type these two lines, then use ollama as usual (ollama run, list, ps…). It signs each request with this computer’s key; the first time, the owner of this Corral allows the device. No key to paste.',
    blocks: [
      {
        label: 'macOS, Linux (bash, zsh)',
        code: [`export OLLAMA_HOST=${ollamaUrl}`, 'export OLLAMA_AUTH=1'].join('\n'),
      },
      {
        label: 'Windows PowerShell',
        code: [`$env:OLLAMA_HOST="${ollamaUrl}"`, '$env:OLLAMA_AUTH="1"'].join('\n'),
      },
      {
        label: 'Windows cmd',
        code: [`set OLLAMA_HOST=${ollamaUrl}`, 'set OLLAMA_AUTH=1'].join('\n'),
      },
      {
        label: 'No ~/.ollama/id_ed25519 yet? Run ollama serve once, or:',
        code: 'ssh-keygen -t ed25519 -f ~/.ollama/id_ed25519 -N ""',
      },
    ],
  }
}
