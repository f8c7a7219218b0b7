import { createContext, useContext } from 'react'
import type { CorralApi } from './client.js'

export const ApiContext = createContext<CorralApi | null>(null)

/** The control API for this window (a fake in tests). */
export function useApi(): CorralApi {
  const api = useContext(ApiContext)
  if (!api) throw new Error('useApi() outside <ApiContext.Provider>')
  return api
}
