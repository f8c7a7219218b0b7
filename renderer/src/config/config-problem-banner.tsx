// On every view: config.json on disk does not load (a hand edit with a mistake). The running
// settings stay; changes are refused until the file is fixed, or the edit is discarded here.
import { useApi } from '../api/context.js'
import { useAction } from '../hooks/use-resource.js'
import { useStatus } from '../live/status-context.js'
import { Banner, ErrorText } from '../components/controls.js'

export function ConfigProblemBanner() {
  const api = useApi()
  const status = useStatus()
  const discard = useAction(async () => {
    await api.discardBrokenConfig()
    await status.reload()
  })
  const p = status.data?.configProblem
  if (!p) return null
  return (
    <div className="config-problem">
      <Banner
        tone="error"
        title={
          p.line !== null
            ? `config.json has a syntax error at line ${p.line}`
            : 'config.json does not load'
        }
      >
        <p>
          {p.message}. Corral keeps running with the settings it had, and refuses changes until the
          file is fixed, so your edit is not overwritten.
          {p.copy ? (
            <>
              {' '}
              A copy is kept at <code className="fingerprint">{p.copy}</code>.
            </>
          ) : null}
        </p>
        <p>
          Fix the file and save it (Corral reads it again by itself), or discard the edit: the
          running settings are written back.
        </p>
        <div className="row">
          <button
            type="button"
            className="btn btn-secondary btn-sm"
            disabled={discard.busy}
            onClick={() => void discard.run()}
          >
            {discard.busy ? 'Discarding…' : 'Discard the edit'}
          </button>
        </div>
        <ErrorText error={discard.error} />
      </Banner>
    </div>
  )
}
