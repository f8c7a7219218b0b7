// nginx with the classic hand-written key-map config, the setup Corral replaces: a map from
// the Authorization header to "valid", 401 otherwise, an unbuffered HTTP/1.1 proxy with a
// keep-alive upstream. One worker process by default, so it competes with single-threaded
// Corral on equal terms (on this 2-core machine `auto` would also give 2 workers fighting the
// load generator, the backend and Corral for the same cores); `workers: 2` is the same config
// with `worker_processes 2`, to set against `corral serve --workers 2`.
import { spawn, spawnSync } from 'node:child_process'
import {
  accessSync,
  constants,
  chmodSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { stopChild, tempDir } from './procs.mjs'

const CANDIDATES = [
  '/usr/sbin/nginx',
  '/usr/local/sbin/nginx',
  '/usr/local/nginx/sbin/nginx',
  '/usr/bin/nginx',
]
const START_TIMEOUT_MS = 10_000

/** The nginx binary (BENCH_NGINX overrides), or null when none is installed. */
export function findNginx() {
  const wanted = process.env.BENCH_NGINX
  for (const p of wanted ? [wanted] : CANDIDATES) {
    try {
      accessSync(p, constants.X_OK)
      return p
    } catch {
      // not here
    }
  }
  return null
}

/** `nginx -v`'s answer, which nginx writes to stderr. */
export function nginxVersion(bin) {
  const r = spawnSync(bin, ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() || 'unknown'
}

/** The generated nginx.conf; `workers` is `worker_processes` (1 unless given). */
export function nginxConfig({ prefix, port, backendPort, backendPorts, key, workers = 1 }) {
  // Several backends (bench/fleet.mjs): nginx's default round robin over them.
  const servers = (backendPorts ?? [backendPort])
    .map((p) => `    server 127.0.0.1:${p};`)
    .join('\n')
  const p = (name) => path.join(prefix, name)
  return `daemon off;
worker_processes ${workers};
worker_rlimit_nofile 16384;
pid ${p('nginx.pid')};
error_log ${p('error.log')} warn;

events {
  worker_connections 8192;
}

http {
  access_log ${p('access.log')};
  client_body_temp_path ${p('client_body')};
  proxy_temp_path ${p('proxy')};
  fastcgi_temp_path ${p('fastcgi')};
  uwsgi_temp_path ${p('uwsgi')};
  scgi_temp_path ${p('scgi')};
  keepalive_requests 1000000;
  keepalive_timeout 75s;
  map_hash_bucket_size 128;

  # The classic key map: one line per key.
  map $http_authorization $api_key_valid {
    default 0;
    "Bearer ${key}" 1;
  }

  upstream ollama {
${servers}
    keepalive 1024;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
  }

  server {
    listen 127.0.0.1:${port};
    client_max_body_size 64m;

    location / {
      if ($api_key_valid = 0) {
        return 401;
      }
      proxy_pass http://ollama;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # Ollama refuses a Host that is not local (server/routes.go allowedHost; its FAQ's nginx
      # example sets this); nginx would send the upstream's name, "ollama".
      proxy_set_header Host localhost;
      proxy_set_header Authorization "";
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 600s;
    }
  }
}
`
}

/** A free port on 127.0.0.1 (closed again at once; nginx binds it right after). */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1')
    s.once('connect', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(false))
  })
}

/**
 * Starts nginx in a temp prefix in front of `backendUrl` (or round robin over `backendUrls`)
 * with `workers` worker processes (1); resolves once it accepts connections and its workers run.
 */
export async function startNginx(bin, { backendUrl, backendUrls, key, workers = 1 }) {
  const prefix = tempDir('corral-bench-nginx-')
  chmodSync(prefix, 0o755) // workers run as an unprivileged user when we are root
  for (const d of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'])
    mkdirSync(path.join(prefix, d))
  const port = await freePort()
  const conf = path.join(prefix, 'nginx.conf')
  const backendPorts = (backendUrls ?? [backendUrl]).map((u) => Number(new URL(u).port))
  writeFileSync(conf, nginxConfig({ prefix, port, backendPorts, key, workers }))
  const child = spawn(bin, ['-p', prefix, '-c', conf, '-e', path.join(prefix, 'error.log')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (c) => (stderr += c))
  const until = Date.now() + START_TIMEOUT_MS
  while (!(await canConnect(port)) || workerPids(child.pid).length < workers) {
    if (child.exitCode !== null || Date.now() > until) {
      child.kill('SIGKILL')
      const log = readSafe(path.join(prefix, 'error.log'))
      throw new Error(`nginx did not start: ${stderr || log}`)
    }
    await sleep(50)
  }
  return {
    child,
    pid: child.pid,
    url: `http://127.0.0.1:${port}`,
    prefix,
    workerPids: () => workerPids(child.pid),
    stop: async () => {
      const code = await stopChild(child)
      rmSync(prefix, { recursive: true, force: true })
      return code
    },
  }
}

function workerPids(masterPid) {
  try {
    return readFileSync(`/proc/${masterPid}/task/${masterPid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number)
  } catch {
    return []
  }
}

function readSafe(file) {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}
