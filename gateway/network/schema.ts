// The network part of the control API's status, in TypeBox (the OpenAPI document uses it).
import { Type } from '@sinclair/typebox'
import { RememberedNetworkSchema } from '../config/schema.js'

export const NetworkInfoView = Type.Object({
  iface: Type.String(),
  family: Type.Union([Type.Literal('IPv4'), Type.Literal('IPv6')]),
  address: Type.String(),
  subnet: Type.String(),
  gateway: Type.String(),
  gatewayMac: Type.String(),
  label: Type.String(),
})

export const NetworkStateView = Type.Object({
  bound: Type.Boolean({ description: 'Sharing pauses on networks the owner has not shared on.' }),
  current: Type.Union([NetworkInfoView, Type.Null()]),
  known: Type.Boolean({ description: 'The current network is a remembered one.' }),
  paused: Type.Boolean({ description: 'Sharing is paused because of the network.' }),
  reason: Type.Union([Type.String(), Type.Null()]),
  remembered: Type.Array(RememberedNetworkSchema),
})
