// The processes under test, each in its own child: the Ollama stand-in, Corral (the real
// `corral serve` command, headless) and what /proc says about them.
import { fork, spawn, execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import {
  createWriteStream,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const START_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 15_000
const CLK_TCK = readClockTicks()

/** A fresh temporary directory. */
export function tempDir(prefix) {
  return mkdtempSync(path.join(os.tmpdir(), prefix))
}

/** A Corral key and the SHA-256 that config.json stores. */
export function newKey() {
  const key = 'crl_' + randomBytes(32).toString('base64url')
  return { key, hash: createHash('sha256').update(key, 'utf8').digest('hex') }
}

/** Starts the stand-in backend; resolves once it listens. */
export function startBackend(fakeOllamaBundle, options) {
  const child = fork(
    path.join(HERE, 'backend-child.mjs'),
    [fakeOllamaBundle, JSON.stringify(options)],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  )
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('backend did not start')), START_TIMEOUT_MS)
    child.once('exit', (code) => reject(new Error(`backend exited (${code}) before it listened`)))
    child.on('message', (msg) => {
      if (msg?.type !== 'ready') return
      clearTimeout(timer)
      child.removeAllListeners('exit')
      resolve({ child, url: msg.url, pid: child.pid, stop: () => stopChild(child) })
    })
  })
}

/**
 * The config.json a benchmarked Corral starts from: one key, every feature on (request,
 * token and concurrency limits and the output cap, set high enough never to refuse; the LAN
 * allowlist plus a deny rule; stats, metrics and the access log), one backend with room for
 * every stream at once, no mDNS.
 */
export function corralConfig({ backendUrl, keyHash, stats = true }) {
  return {
    server: { host: '127.0.0.1', sharing: true },
    keys: [
      {
        id: 'bench',
        name: 'bench',
        hash: keyHash,
        prefix: 'crl_benc',
        scopes: ['inference', 'metrics'],
        createdAt: new Date().toISOString(),
      },
    ],
    limits: {
      enabled: true,
      defaults: {
        requests: 1_000_000_000,
        windowSeconds: 60,
        tokensPerMinute: 1_000_000_000_000,
        concurrency: 100_000,
        maxOutputTokens: 100_000,
      },
    },
    access: { deny: ['203.0.113.0/24', '2001:db8::/32'] },
    backends: [{ id: 'bench', name: 'bench', url: backendUrl, capacity: 1024 }],
    discovery: { mdns: false },
    stats: { enabled: stats },
    metrics: { enabled: true },
    logging: { enabled: true },
  }
}

/** `config` with each of `changes`' sections merged into its own (a section's fields replaced). */
export function withSections(config, changes) {
  const out = { ...config }
  for (const [section, value] of Object.entries(changes)) {
    const was = out[section]
    const both = [was, value].every((v) => v && typeof v === 'object' && !Array.isArray(v))
    out[section] = both ? { ...was, ...value } : value
  }
  return out
}

/** The flags bin/corral.js's first line gives node: the bench runs Corral as users do. */
export const CORRAL_NODE_FLAGS = corralNodeFlags()

function corralNodeFlags() {
  const shebang = readFileSync(path.join(HERE, '..', 'bin', 'corral.js'), 'utf8').split('\n', 1)[0]
  return shebang.split(/\s+/).filter((word) => word.startsWith('--'))
}

/**
 * Starts `corral serve` headless in a child process with its own data dir and config.
 * `nodeArgs` go to node (e.g. --cpu-prof); `extraArgs` to `corral serve`; `workers` adds
 * `--workers <n>` (node:cluster: the child is the primary, the workers its children), and the
 * promise then also waits until that many processes run under the primary. Resolves with the
 * gateway URL once it listens. If Corral exits first (e.g. a build without the flag), it
 * rejects with the first line Corral wrote to stderr in the message (also `err.summary`, without
 * the stderr file's path; `err.stderr` has the start of it all).
 */
export function startCorral(
  corralBundle,
  { config, nodeArgs = [], extraArgs = [], workers, label = 'corral' },
) {
  const dataDir = tempDir(`corral-bench-${label}-`)
  writeFileSync(path.join(dataDir, 'config.json'), JSON.stringify(config, null, 2))
  const env = { ...process.env, CORRAL_LOG_LEVEL: 'warn' }
  for (const name of Object.keys(env)) {
    if (/^(CORRAL_(?!LOG_LEVEL)|OLLAMA_|AUTH_TOKEN$)/.test(name)) delete env[name]
  }
  // The OS default data folder inside this one: a server on a non-default folder leaves a
  // pointer there (gateway/elsewhere.ts), which belongs in no user's real ~/.config/Corral.
  Object.assign(env, { XDG_CONFIG_HOME: path.join(dataDir, 'xdg'), APPDATA: dataDir })
  const args = [
    ...CORRAL_NODE_FLAGS,
    ...nodeArgs,
    corralBundle,
    'serve',
    ...['--data-dir', dataDir, '--host', '127.0.0.1', '--port', '0', '--control-port', '0'],
    '--no-mdns',
    '--json',
    ...(workers === undefined ? [] : ['--workers', String(workers)]),
    ...extraArgs,
  ]
  const child = spawn(process.execPath, args, {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: dataDir,
  })
  const stderrFile = path.join(dataDir, 'stderr.log')
  child.stderr.pipe(createWriteStream(stderrFile))
  // The start of stderr, kept for the message if Corral exits before it listens.
  let stderr = ''
  const keepStderr = (chunk) => {
    if (stderr.length < 4096) stderr += chunk
  }
  child.stderr.on('data', keepStderr)
  const stop = async () => {
    // A primary stops its workers; any it left behind are stopped here, not left running.
    const children = startTimes(processTree(child.pid).slice(1))
    const code = await stopChild(child)
    await stopLeftovers(children)
    // The data dir goes with it, unless Corral had something to say on stderr.
    if (readFileSync(stderrFile, 'utf8').trim() === '')
      rmSync(dataDir, { recursive: true, force: true })
    return code
  }
  const listening = new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${label} did not start`))
    }, START_TIMEOUT_MS)
    // 'close', not 'exit': by then stderr has been read to its end.
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      // Its first sentence: node's parseArgs goes on about positionals after "Unknown option".
      const first = stderr
        .trim()
        .split('\n', 1)[0]
        .split(/(?<=\.) /, 1)[0]
        .slice(0, 300)
      const summary = `${label} exited (${code ?? signal})${first ? `: ${first}` : ''}`
      const err = new Error(`${summary}; see ${stderrFile}`)
      Object.assign(err, { summary, stderr, exitCode: code, dataDir })
      reject(err)
    })
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += chunk
      // The first JSON line is the command's answer (node flags like --trace-gc print too).
      const line = out.split('\n').find((l, i, all) => i < all.length - 1 && l.startsWith('{'))
      if (line === undefined) return
      clearTimeout(timer)
      child.removeAllListeners('close')
      child.stdout.removeAllListeners('data')
      child.stdout.resume()
      child.stderr.off('data', keepStderr)
      const info = JSON.parse(line)
      resolve({
        child,
        pid: child.pid,
        url: info.gateway[0],
        dataDir,
        stderrFile,
        stop,
      })
    })
  })
  // One worker is one process: nothing to wait for beyond it listening. A build from before
  // --workers (e.g. `--compare` against an old bundle) runs one process anyway: retried bare.
  if (workers === 1)
    return listening.catch((err) => {
      if (!/Unknown option '--workers'/.test(err.summary ?? '')) throw err
      rmSync(dataDir, { recursive: true, force: true })
      return startCorral(corralBundle, { config, nodeArgs, extraArgs, label })
    })
  if (workers === undefined || workers < 2) return listening
  return listening.then(async (corral) => {
    try {
      corral.processes = await waitForTree(child.pid, workers + 1)
      return corral
    } catch (err) {
      await stop().catch(() => {})
      throw Object.assign(new Error(`${label}: ${err.message}`), { summary: err.message })
    }
  })
}

/** Each pid with its start time (field 22 of /proc/<pid>/stat), to know it again later. */
function startTimes(pids) {
  const out = []
  for (const pid of pids) {
    const start = startTime(pid)
    if (start !== null) out.push({ pid, start })
  }
  return out
}

function startTime(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
  } catch {
    return null
  }
}

/**
 * Gives processes (from startTimes) 2 s to exit, then SIGKILLs those still running: only
 * those whose start time is unchanged, so a pid the kernel gave to another process is left alone.
 */
async function stopLeftovers(procs, graceMs = 2000) {
  const alive = () => procs.filter((p) => startTime(p.pid) === p.start)
  const until = Date.now() + graceMs
  while (alive().length && Date.now() < until)
    await new Promise((resolve) => setTimeout(resolve, 50))
  for (const p of alive()) {
    try {
      process.kill(p.pid, 'SIGKILL')
    } catch {
      // gone meanwhile
    }
  }
}

/** Waits until `count` processes run in the tree under `pid`; resolves with how many do. */
async function waitForTree(pid, count, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs
  for (;;) {
    const n = processTree(pid).length
    if (n >= count) return n
    if (Date.now() > until)
      throw new Error(`${count - 1} workers asked for, ${n - 1} running under pid ${pid}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Starts bench/floor-proxy.mjs in front of the backend; resolves with its URL. */
export function startFloorProxy(backendUrl, key, script = 'floor-proxy.mjs') {
  const child = spawn(process.execPath, [path.join(HERE, script), backendUrl, key], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`floor proxy exited (${code})`)))
    child.stdout.once('data', (chunk) => {
      child.removeAllListeners('exit')
      child.stdout.resume()
      resolve({ child, pid: child.pid, url: String(chunk).trim(), stop: () => stopChild(child) })
    })
  })
}

/** SIGTERM, then SIGKILL if it has not exited in time. Resolves with the exit code. */
export function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode)
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve(code)
    })
    child.kill('SIGTERM')
  })
}

/** Resident set (now and peak) and CPU time of a process, from /proc. */
export function procStats(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
  // Fields after the command name (which may hold spaces, so split after its ')').
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  return {
    rssMb: kb('VmRSS') / 1024,
    hwmMb: kb('VmHWM') / 1024,
    cpuMs: ((utime + stime) * 1000) / CLK_TCK,
    userMs: (utime * 1000) / CLK_TCK,
    sysMs: (stime * 1000) / CLK_TCK,
  }
}

/**
 * `pid` and every process below it (a cluster primary and its workers, an nginx master and
 * its workers), root first. From the kernel's per-thread children lists
 * (/proc/<pid>/task/<tid>/children), or, on a kernel without them, a scan of every
 * /proc/<pid>/stat for its parent. Threads (Corral's stats writer) are not processes: their
 * CPU time is already in their process's.
 */
export function processTree(pid) {
  const byParent = CHILDREN_LISTS ? null : parentMap()
  const tree = [pid]
  const seen = new Set(tree)
  for (let i = 0; i < tree.length; i++) {
    const kids = byParent ? (byParent.get(tree[i]) ?? []) : childrenOf(tree[i])
    for (const kid of kids) {
      if (seen.has(kid)) continue
      seen.add(kid)
      tree.push(kid)
    }
  }
  return tree
}

/** Whether this kernel has /proc/<pid>/task/<tid>/children (CONFIG_PROC_CHILDREN). */
const CHILDREN_LISTS = existsSync(`/proc/${process.pid}/task/${process.pid}/children`)

/** The children of every thread of `pid` (a child belongs to the thread that forked it). */
function childrenOf(pid) {
  let tasks
  try {
    tasks = readdirSync(`/proc/${pid}/task`)
  } catch {
    return [] // gone
  }
  const out = []
  for (const tid of tasks) {
    let text
    try {
      text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8')
    } catch {
      continue // the thread ended meanwhile
    }
    for (const word of text.split(' ')) if (word.trim()) out.push(Number(word))
  }
  return out
}

/** Parent pid to child pids, for every process in /proc. */
function parentMap() {
  const map = new Map()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    let stat
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8')
    } catch {
      continue
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    if (!map.has(ppid)) map.set(ppid, [])
    map.get(ppid).push(Number(name))
  }
  return map
}

/**
 * procStats summed over processes (e.g. a processTree): RSS, CPU time, and VmHWM as the sum
 * of each process's own peak (an upper bound of the tree's peak). With one pid, exactly
 * procStats(pid). Only the first pid must exist; others that ended meanwhile count as 0.
 * RSS counts pages shared between the processes (the node binary's code, pages a forked
 * nginx worker still shares with its master) once per process.
 */
export function treeStats(pids) {
  const sum = { rssMb: 0, hwmMb: 0, cpuMs: 0, userMs: 0, sysMs: 0, processes: 0 }
  for (const [i, pid] of pids.entries()) {
    let s
    try {
      s = procStats(pid)
    } catch (err) {
      if (i === 0) throw err
      continue
    }
    for (const k of ['rssMb', 'hwmMb', 'cpuMs', 'userMs', 'sysMs']) sum[k] += s[k]
    sum.processes++
  }
  return sum
}

function readClockTicks() {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
}
