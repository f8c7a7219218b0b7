// "Who is using my GPU": per key with work in flight or waiting — device, model, how long,
// tokens/s, how many wait — with Pause and Kick, and "Pause everyone but me".
import { useState } from 'react'
import type { ActivityRow } from '../api/types.js'
import { Banner, Card, ErrorText } from '../components/controls.js'
import { useAction } from '../hooks/use-resource.js'
import { formatDuration, formatRate } from '../format.js'
import { PauseDialog } from './pause-dialog.js'
import { untilText, useActivity } from './use-activity.js'

export function WhoIsUsing() {
  const owner = useActivity()
  const [pausing, setPausing] = useState<ActivityRow | 'everyone' | null>(null)
  const kick = useAction((id: string) => owner.kick(id))
  const resume = useAction((id: string) => owner.resume(id))
  const resumeAll = useAction(() => owner.resumeAll())
  const a = owner.activity
  const everyone = a?.everyone ?? null
  return (
    <Card
      title="Who is using your GPU"
      className="who-card"
      actions={
        everyone ? (
          <button type="button" className="btn btn-sm" onClick={() => void resumeAll.run()}>
            Resume everyone
          </button>
        ) : (
          <button type="button" className="btn btn-sm" onClick={() => setPausing('everyone')}>
            Pause everyone but me
          </button>
        )
      }
    >
      {everyone ? (
        <Banner tone="info">
          Everyone but you is paused {untilText(everyone.until)}. This computer and your own keys
          keep working.
        </Banner>
      ) : null}
      <ErrorText error={kick.error ?? resume.error ?? resumeAll.error} />
      {!a || a.keys.length === 0 ? (
        <p className="muted">Nobody is using it right now.</p>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="Requests in flight, by key">
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Device</th>
                <th scope="col">Model</th>
                <th scope="col" className="num">
                  Running for
                </th>
                <th scope="col" className="num">
                  Tokens/s
                </th>
                <th scope="col" className="num">
                  Waiting
                </th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {a.keys.map((k) => (
                <tr key={k.keyId} data-key={k.keyName}>
                  <td>
                    <div className="cell-main">{k.keyName}</div>
                    <div className="cell-sub">
                      {k.running} running
                      {k.own ? <span className="badge">yours</span> : null}
                      {k.paused ? <span className="badge badge-warning">paused</span> : null}
                    </div>
                  </td>
                  <td>
                    {k.devices.map((d) => (
                      <div key={`${d.ip} ${d.userAgent}`}>
                        <div className="mono">{d.ip}</div>
                        {d.userAgent ? <div className="cell-sub">{d.userAgent}</div> : null}
                      </div>
                    ))}
                  </td>
                  <td className="mono">{k.models.join(', ') || '–'}</td>
                  <td className="num nowrap">{formatDuration(k.runningMs)}</td>
                  <td className="num">
                    {k.tokensPerSecond === null ? '–' : formatRate(k.tokensPerSecond)}
                  </td>
                  <td className="num">{k.queued}</td>
                  <td className="actions nowrap">
                    {k.paused ? (
                      <button
                        type="button"
                        className="btn btn-sm"
                        onClick={() => void resume.run(k.keyId)}
                        aria-label={`Resume ${k.keyName}`}
                      >
                        Resume
                      </button>
                    ) : (
                      <button
                        type="button"
                        className="btn btn-sm"
                        onClick={() => setPausing(k)}
                        aria-label={`Pause ${k.keyName}`}
                      >
                        Pause
                      </button>
                    )}
                    <button
                      type="button"
                      className="btn btn-danger-ghost btn-sm"
                      disabled={kick.busy}
                      onClick={() => void kick.run(k.keyId)}
                      aria-label={`Kick ${k.keyName}`}
                      title="Cancel its running and waiting requests now"
                    >
                      Kick
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pausing === 'everyone' ? (
        <PauseDialog
          title="Pause everyone but you?"
          everyone
          onPause={(d) => owner.pauseAll(d)}
          onClose={() => setPausing(null)}
        />
      ) : pausing ? (
        <PauseDialog
          title={`Pause “${pausing.keyName}”?`}
          onPause={(d, queue) => owner.pause(pausing.keyId, { for: d, queue })}
          onClose={() => setPausing(null)}
        />
      ) : null}
    </Card>
  )
}
