// "Ollama is not running": the banner at the top of Share and the sidebar's amber state, from
// the control API's status.ollama (the same words the terminal and `corral status` print).
import type { Status } from '../api/types.js'
import { Banner } from '../components/controls.js'

/** True when sharing is on but there is nothing to share: teammates get "not running". */
export function ollamaMissing(s: Status): boolean {
  return s.ollama.state === 'down' || s.ollama.state === 'none'
}

export function OllamaDownBanner({ status }: { status: Status }) {
  if (!ollamaMissing(status)) return null
  const none = status.ollama.state === 'none'
  return (
    <div data-testid="ollama-down">
      <Banner tone="warning" title={none ? 'There is no Ollama to share' : 'Ollama is not running'}>
        {status.ollama.message}{' '}
        {status.sharing
          ? 'Until then teammates are told “the owner’s Ollama is not running”.'
          : null}{' '}
        <a className="link" href="#backends">
          Backends
        </a>
      </Banner>
    </div>
  )
}
