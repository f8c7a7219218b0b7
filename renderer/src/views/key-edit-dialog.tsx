// Change a key after it was made: its name, the network it works from, and its model
// options. Only what changed is sent; a refusal (an option Ollama does not know) is
// shown in words and the form is kept.
import { useState, type FormEvent } from 'react'
import { useApi } from '../api/context.js'
import type { KeyPatch, KeyView } from '../api/types.js'
import { useAction } from '../hooks/use-resource.js'
import { ErrorText, Field } from '../components/controls.js'
import { Dialog } from '../components/dialog.js'
import {
  ModelOptionsFields,
  modelOptionsPatch,
  modelOptionsStateOf,
  type ModelOptionsState,
} from './model-options-fields.js'

export function KeyEditDialog({
  k,
  onClose,
  onSaved,
}: {
  k: KeyView
  onClose: () => void
  onSaved: () => void
}) {
  const api = useApi()
  const [name, setName] = useState(k.name)
  const [subnet, setSubnet] = useState(k.subnet ?? '')
  const [options, setOptions] = useState<ModelOptionsState>(() =>
    modelOptionsStateOf(k.options, k.keepAliveMaxSeconds),
  )
  const save = useAction(async () => {
    const patch: KeyPatch = modelOptionsPatch(k.options, k.keepAliveMaxSeconds, options)
    if (name.trim() !== k.name) patch.name = name.trim()
    if (subnet.trim() !== (k.subnet ?? ''))
      patch.subnet = subnet.trim() === '' ? null : subnet.trim()
    if (Object.keys(patch).length > 0) await api.updateKey(k.id, patch)
    onSaved()
    onClose()
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    void save.run()
  }
  return (
    <Dialog
      title={`Edit “${k.name}”`}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn btn-secondary" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            form="key-edit-form"
            className="btn btn-primary"
            disabled={save.busy || name.trim() === ''}
          >
            {save.busy ? 'Saving…' : 'Save'}
          </button>
        </>
      }
    >
      <form id="key-edit-form" className="stack" onSubmit={submit}>
        <Field label="Name">
          {({ id }) => (
            <input
              id={id}
              className="input"
              value={name}
              maxLength={100}
              required
              onChange={(e) => setName(e.target.value)}
            />
          )}
        </Field>
        <Field
          label="Network"
          hint={
            k.guest
              ? 'Set by the guest’s first request. Clear it to let the next request bind it again.'
              : 'Blank: anywhere the access list allows.'
          }
        >
          {({ id, describedBy }) => (
            <input
              id={id}
              className="input mono"
              value={subnet}
              placeholder={k.guest ? 'Not bound yet' : 'Anywhere'}
              aria-describedby={describedBy}
              onChange={(e) => setSubnet(e.target.value)}
            />
          )}
        </Field>
        <ModelOptionsFields state={options} onChange={setOptions} />
        <ErrorText error={save.error} />
      </form>
    </Dialog>
  )
}
