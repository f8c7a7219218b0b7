// The least any Node relay does, below which no Node proxy can go (`socket-floor` in
// bench/ab.mjs): each client connection gets one backend connection of its own and the
// bytes go across unparsed both ways, read with `onread` into one buffer per connection
// and written with socket.write(): no HTTP, no key, nothing looked at. Between this and
// nginx is what Node's sockets cost per read and write; between this and Corral, all that
// makes Corral a gateway. Not a proxy anyone should run: it forwards whatever comes.
//
//   node bench/socket-floor.mjs <backend url>   (prints its URL, listens on 127.0.0.1)
import net from 'node:net'

const upstream = new URL(process.argv[2])
const READ_BYTES = 64 * 1024

function relay(client) {
  let buffer = Buffer.allocUnsafeSlow(READ_BYTES)
  const backend = net.connect({
    host: upstream.hostname,
    port: Number(upstream.port),
    onread: {
      buffer: () => buffer,
      callback: (n, buf) => {
        const view = buf.subarray(0, n)
        if (client.writableLength > 0) return client.write(Buffer.from(view))
        const ok = client.write(view)
        // The write kept part of the read buffer: read into a new one from now on.
        if (client.writableLength > 0) buffer = Buffer.allocUnsafeSlow(READ_BYTES)
        if (!ok) client.once('drain', () => backend.resume())
        return ok
      },
    },
  })
  backend.setNoDelay(true)
  client.setNoDelay(true)
  client.on('data', (chunk) => {
    if (!backend.write(chunk)) client.pause()
  })
  backend.on('drain', () => client.resume())
  const close = () => {
    client.destroy()
    backend.destroy()
  }
  client.on('close', close)
  backend.on('close', close)
  client.on('error', close)
  backend.on('error', close)
}

const server = net.createServer(relay)
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${server.address().port}\n`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
