// Pause a key (or everyone but the owner): for how long, and whether new requests are
// refused or wait in the queue until the pause ends.
import { useState } from 'react'
import { createPortal } from 'react-dom'
import { Confirm } from '../components/dialog.js'
import { Segmented } from '../components/controls.js'
import { useAction } from '../hooks/use-resource.js'

const DURATIONS = [
  { value: '15m', label: '15 min' },
  { value: '30m', label: '30 min' },
  { value: '1h', label: '1 hour' },
  { value: 'none', label: 'Until I resume' },
] as const
type Choice = (typeof DURATIONS)[number]['value']

export function PauseDialog({
  title,
  everyone = false,
  onPause,
  onClose,
}: {
  title: string
  /** "Pause everyone but me": refusing only (no waiting option). */
  everyone?: boolean
  onPause: (duration: string | null, queue: boolean) => Promise<void>
  onClose: () => void
}) {
  const [duration, setDuration] = useState<Choice>('30m')
  const [queue, setQueue] = useState(false)
  const action = useAction(async () => onPause(duration === 'none' ? null : duration, queue))
  // On the body: opened from a table cell, it must not inherit the cell's layout.
  return createPortal(
    <Confirm
      title={title}
      confirmLabel="Pause"
      busy={action.busy}
      error={action.error}
      onCancel={onClose}
      onConfirm={async () => {
        if (await action.run()) onClose()
      }}
    >
      <p>
        {everyone
          ? 'Every key but yours gets “paused by the owner” from its next request; this computer keeps working. Requests already running finish.'
          : 'New requests get “paused by the owner”; requests already running finish. The key keeps working when the pause ends.'}
      </p>
      <Segmented
        label="For how long"
        value={duration}
        options={[...DURATIONS]}
        onChange={setDuration}
      />
      {everyone ? null : (
        <label className="check">
          <input type="checkbox" checked={queue} onChange={(e) => setQueue(e.target.checked)} />
          <span>Let new requests wait in the queue instead of refusing them</span>
        </label>
      )}
    </Confirm>,
    document.body,
  )
}
