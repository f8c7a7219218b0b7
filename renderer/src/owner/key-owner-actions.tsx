// Pause, resume and kick on a key's row in the Keys view.
import { useState } from 'react'
import type { KeyView } from '../api/types.js'
import { useAction } from '../hooks/use-resource.js'
import { PauseDialog } from './pause-dialog.js'
import { untilText, type OwnerActions } from './use-activity.js'

export function KeyOwnerActions({ k, owner }: { k: KeyView; owner: OwnerActions }) {
  const [pausing, setPausing] = useState(false)
  const kick = useAction(() => owner.kick(k.id))
  const resume = useAction(() => owner.resume(k.id))
  const setOwn = useAction((own: boolean) => owner.setOwn(k.id, own))
  if (!k.active) return null
  const pause = owner.activity?.paused.find((p) => p.keyId === k.id) ?? null
  const own = owner.activity?.ownKeys.includes(k.id) ?? false
  return (
    <>
      <button
        type="button"
        className={`btn btn-sm ${own ? '' : 'btn-ghost'}`}
        aria-pressed={own}
        onClick={() => void setOwn.run(!own)}
        aria-label={`${k.name} is mine`}
        title="Your own keys keep working while everyone else is paused"
      >
        Mine
      </button>
      {pause ? (
        <button
          type="button"
          className="btn btn-sm"
          onClick={() => void resume.run()}
          aria-label={`Resume ${k.name}`}
          title={`Paused ${untilText(pause.until)}`}
        >
          Resume
        </button>
      ) : (
        <button
          type="button"
          className="btn btn-ghost btn-sm"
          onClick={() => setPausing(true)}
          aria-label={`Pause ${k.name}`}
        >
          Pause
        </button>
      )}
      <button
        type="button"
        className="btn btn-ghost btn-sm"
        onClick={() => void kick.run()}
        aria-label={`Kick ${k.name}`}
        title="Cancel its running and waiting requests now"
      >
        Kick
      </button>
      {pausing ? (
        <PauseDialog
          title={`Pause “${k.name}”?`}
          onPause={(d, queue) => owner.pause(k.id, { for: d, queue })}
          onClose={() => setPausing(false)}
        />
      ) : null}
    </>
  )
}

/** The badge next to a paused key's name. */
export function PausedBadge({ keyId, owner }: { keyId: string; owner: OwnerActions }) {
  const pause = owner.activity?.paused.find((p) => p.keyId === keyId)
  if (!pause) return null
  return <span className="badge badge-warning">paused {untilText(pause.until)}</span>
}
