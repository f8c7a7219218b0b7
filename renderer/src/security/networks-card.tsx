// Settings → Networks: whether sharing is bound to the networks the owner shared on, the
// network this computer is on, and the remembered ones (each can be forgotten).
import { useApi } from '../api/context.js'
import { useStatus } from '../live/status-context.js'
import { useAction } from '../hooks/use-resource.js'
import type { Settings } from '../api/types.js'
import { Card, ErrorText, Switch } from '../components/controls.js'

export function NetworksCard({
  settings,
  onSaved,
}: {
  settings: Settings
  onSaved: (s: Settings) => void
}) {
  const api = useApi()
  const status = useStatus()
  const network = status.data?.network
  const bind = useAction(async (bound: boolean) => {
    onSaved(await api.updateSettings({ network: { bound } }))
    await status.reload()
  })
  const forget = useAction(async (id: string) => {
    await api.forgetNetwork(id)
    await status.reload()
  })
  const bound = settings.network.bound ?? network?.bound ?? false
  return (
    <Card title="Networks">
      <div className="stack">
        <Switch
          checked={bound}
          busy={bind.busy}
          onChange={(v) => void bind.run(v)}
          label="Share only on networks I said yes to"
          description="On another network (a hotel, a café), sharing pauses until you say “Share on this network”."
        />
        <ErrorText error={bind.error ?? forget.error} />
        <p className="muted small" data-testid="current-network">
          This computer is on {network?.current ? network.current.label : 'no network'}
          {network?.current ? (network.known ? ' (remembered).' : ' (not remembered).') : '.'}
        </p>
        {network && network.remembered.length > 0 ? (
          <ul className="health-list" aria-label="Remembered networks">
            {network.remembered.map((r) => (
              <li key={r.id} className="health-row">
                <span className="health-name">
                  {r.label}
                  <span className="health-url">
                    since {new Date(r.addedAt).toLocaleDateString()}
                  </span>
                </span>
                <button
                  type="button"
                  className="btn btn-ghost btn-sm"
                  disabled={forget.busy}
                  onClick={() => void forget.run(r.id)}
                >
                  Forget
                </button>
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted small">
            No remembered networks yet: turning sharing on remembers one.
          </p>
        )}
      </div>
    </Card>
  )
}
