// The control API's network routes: what the tray's "Share on this network" and the
// Settings view's list of remembered networks call.
import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import { ControlError, CONTROL_PREFIX } from './common.js'
import type { Sharing } from './sharing.js'
import { NetworkStateView } from '../network/schema.js'

const P = `${CONTROL_PREFIX}/network`
const tags = ['status']

export function registerNetworkRoutes(app: FastifyInstance, sharing: Sharing): void {
  app.get(
    P,
    {
      schema: {
        summary: 'The network this machine is on, remembered networks, whether sharing is paused',
        tags,
        response: { 200: NetworkStateView },
      },
    },
    async () => sharing.network(),
  )

  app.post(
    `${P}/share-here`,
    {
      schema: {
        summary:
          'Share on this network: remember it and resume sharing paused here (409 while sharing is off)',
        tags,
        response: { 200: NetworkStateView },
      },
    },
    async () => {
      if (!sharing.network().current) {
        throw new ControlError(409, 'this machine is on no network right now: nothing to remember')
      }
      await sharing.shareHere()
      return sharing.network()
    },
  )

  app.delete<{ Params: { id: string } }>(
    `${P}/remembered/:id`,
    {
      schema: {
        summary: 'Forget a remembered network',
        tags,
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) }),
        response: { 200: NetworkStateView },
      },
    },
    async (req) => {
      if (!sharing.network().remembered.some((r) => r.id === req.params.id)) {
        throw new ControlError(404, `no remembered network "${req.params.id}"`)
      }
      await sharing.forgetNetwork(req.params.id)
      return sharing.network()
    },
  )
}
