// A key's row menu in the Keys view: edit, pause or resume, kick, "this is my key", revoke —
// each followed by a toast that says what happened (a kick that found nothing running says so).
import { useState } from 'react'
import type { KeyView } from '../api/types.js'
import { messageOf } from '../api/errors.js'
import { Menu, type MenuItem } from '../components/menu.js'
import { PauseDialog } from './pause-dialog.js'
import { untilText, type OwnerActions } from './use-activity.js'

export type Notify = (text: string, tone?: 'success' | 'info' | 'error') => void

export function KeyRowMenu({
  k,
  owner,
  notify,
  onEdit,
  onRevoke,
}: {
  k: KeyView
  owner: OwnerActions
  notify: Notify
  onEdit: () => void
  onRevoke: () => void
}) {
  const [pausing, setPausing] = useState(false)
  if (k.revokedAt) return null
  const name = `“${k.name}”`
  const attempt = (fn: () => Promise<string>) => () =>
    void fn().then(
      (text) => notify(text),
      (err: unknown) => notify(messageOf(err), 'error'),
    )
  const items: MenuItem[] = []
  if (k.active) {
    const pause = owner.activity?.paused.find((p) => p.keyId === k.id) ?? null
    const own = owner.activity?.ownKeys.includes(k.id) ?? false
    items.push({ label: 'Edit…', onSelect: onEdit })
    items.push(
      pause
        ? {
            label: 'Resume',
            hint: `Paused ${untilText(pause.until)}`,
            onSelect: attempt(async () => {
              await owner.resume(k.id)
              return `${name} works again.`
            }),
          }
        : { label: 'Pause…', onSelect: () => setPausing(true) },
    )
    items.push({
      label: 'Kick',
      hint: 'End its running and waiting requests now',
      onSelect: attempt(async () => kickText(name, await owner.kick(k.id))),
    })
    items.push({
      label: 'This is my key',
      checked: own,
      hint: 'Your own keys keep working while everyone else is paused',
      onSelect: attempt(async () => {
        await owner.setOwn(k.id, !own)
        return own
          ? `${name} is no longer marked as yours.`
          : `${name} is yours: it keeps working during “Pause everyone but me”.`
      }),
    })
  }
  items.push({ label: 'Revoke…', danger: true, onSelect: onRevoke })
  return (
    <>
      <Menu label={`Actions for ${k.name}`} items={items} />
      {pausing ? (
        <PauseDialog
          title={`Pause ${name}?`}
          onPause={async (d, queue) => {
            await owner.pause(k.id, { for: d, queue })
            notify(`${name} is paused ${d ? `for ${d}` : 'until you resume it'}.`)
          }}
          onClose={() => setPausing(false)}
        />
      ) : null}
    </>
  )
}

/** "Kicked “alice”: 1 running request ended.", or that there was nothing to end. */
export function kickText(name: string, r: { running: number; queued: number }): string {
  if (r.running === 0 && r.queued === 0) {
    return `${name} had no running or waiting requests: nothing to kick.`
  }
  const parts = [
    r.running > 0 ? `${r.running} running request${r.running === 1 ? '' : 's'} ended` : '',
    r.queued > 0 ? `${r.queued} waiting request${r.queued === 1 ? '' : 's'} dropped` : '',
  ].filter(Boolean)
  return `Kicked ${name}: ${parts.join(', ')}.`
}

/** The badge next to a paused key's name. */
export function PausedBadge({ keyId, owner }: { keyId: string; owner: OwnerActions }) {
  const pause = owner.activity?.paused.find((p) => p.keyId === keyId)
  if (!pause) return null
  return <span className="badge badge-warning">paused {untilText(pause.until)}</span>
}
