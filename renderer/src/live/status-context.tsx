// Corral's status (sharing, URLs, backends, warnings), polled for the whole
// window: the sidebar and the Share view show it.
import { createContext, useContext, type ReactNode } from 'react'
import { useApi } from '../api/context.js'
import type { Status } from '../api/types.js'
import { useResource, type Resource } from '../hooks/use-resource.js'

export const STATUS_REFRESH_MS = 5000

export const StatusContext = createContext<Resource<Status> | null>(null)

export function useStatus(): Resource<Status> {
  const status = useContext(StatusContext)
  if (!status) throw new Error('useStatus() outside <StatusProvider>')
  return status
}

export function StatusProvider({ children }: { children: ReactNode }) {
  const api = useApi()
  const status = useResource(() => api.status(), [api], STATUS_REFRESH_MS)
  return <StatusContext.Provider value={status}>{children}</StatusContext.Provider>
}
