// The gateway as the desktop app starts it lives in gateway/child (pure Node, so the
// gateway child process can run it); this keeps the app's imports in one place.
export {
  startGateway,
  messageOf,
  type GatewayOptions,
  type GatewayStart,
} from '../gateway/child/app-gateway.js'
