// Short confirmations after an action ("Kicked alice: 1 request ended"), read out by screen
// readers (a polite live region) and gone after a few seconds.
import { useCallback, useEffect, useRef, useState } from 'react'

const TOAST_MS = 5000

export interface Toast {
  id: number
  text: string
  tone: 'success' | 'info' | 'error'
}

export function useToasts(): {
  toasts: Toast[]
  toast: (text: string, tone?: Toast['tone']) => void
} {
  const [toasts, setToasts] = useState<Toast[]>([])
  const next = useRef(0)
  const timers = useRef(new Set<ReturnType<typeof setTimeout>>())
  useEffect(() => {
    const all = timers.current
    return () => all.forEach(clearTimeout)
  }, [])
  const toast = useCallback((text: string, tone: Toast['tone'] = 'success') => {
    const id = ++next.current
    setToasts((list) => [...list.slice(-2), { id, text, tone }])
    const timer = setTimeout(() => {
      timers.current.delete(timer)
      setToasts((list) => list.filter((t) => t.id !== id))
    }, TOAST_MS)
    timers.current.add(timer)
  }, [])
  return { toasts, toast }
}

export function ToastRegion({ toasts }: { toasts: Toast[] }) {
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast-${t.tone}`}>
          {t.text}
        </div>
      ))}
    </div>
  )
}
