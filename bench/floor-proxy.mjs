// The least a Node proxy does, as a reference point (`npm run bench -- --floor`): node:http
// and an undici Agent like Corral's, the key checked against a set, hop-by-hop headers
// dropped, the answer relayed chunk by chunk. No limits, stats, metrics or logs: the gap
// between this and nginx is what Node's HTTP stack costs; between this and Corral, what
// Corral's features and Fastify cost.
//
//   node bench/floor-proxy.mjs <backend url>[,<backend url>...] <key>
//   (prints its URL, listens on 127.0.0.1; several backends are taken in turn, as nginx does)
import http from 'node:http'
import { Agent } from 'undici'

const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'host', 'authorization']
const [upstreams, key] = process.argv.slice(2)
const origins = upstreams.split(',')
let turn = 0
const agent = new Agent({ connections: null, pipelining: 1, keepAliveTimeout: 30_000 })
const valid = new Set([`Bearer ${key}`])

const server = http.createServer(async (req, res) => {
  if (!valid.has(req.headers.authorization)) {
    res.writeHead(401).end()
    return
  }
  const headers = { ...req.headers }
  for (const h of HOP_BY_HOP) delete headers[h]
  try {
    const up = await agent.request({
      origin: origins[turn++ % origins.length],
      path: req.url,
      method: req.method,
      headers,
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : req,
    })
    const out = { ...up.headers }
    for (const h of HOP_BY_HOP) delete out[h]
    res.writeHead(up.statusCode, out)
    for await (const chunk of up.body) res.write(chunk)
    res.end()
  } catch {
    if (!res.headersSent) res.writeHead(502)
    res.end()
  }
})
server.keepAliveTimeout = 72_000
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${server.address().port}\n`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
