// Shared by the control API suites: a real Corral and the checks they use.
import { expect } from 'vitest'
import { request } from 'undici'
import { Value } from '@sinclair/typebox/value'
import type { TSchema } from '@sinclair/typebox'
import type { AdvertiseOptions, Discovery } from '../../gateway/discovery/types.js'
import type { TestGateway } from '../support/gateway.js'

/** A discovery that records what it was asked to do (no multicast in tests). */
export function recordingDiscovery(): Discovery & { calls: string[] } {
  const calls: string[] = []
  return {
    calls,
    advertise: (o: AdvertiseOptions) => void calls.push(`advertise ${o.name} ${o.port}`),
    withdraw: async () => void calls.push('withdraw'),
    candidates: () => [],
    onChange: () => () => {},
    close: async () => {},
  }
}

/** A control request with exactly these headers (no token unless given). */
export function raw(
  gw: TestGateway,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
) {
  return request(gw.running.controlUrl + path, { method: method as 'GET', headers })
}

/** Fails with every place `value` differs from `schema`. */
export function expectShape(schema: TSchema, value: unknown): void {
  const errors = [...Value.Errors(schema, value)].map((e) => `${e.path}: ${e.message}`)
  expect(errors).toEqual([])
}
