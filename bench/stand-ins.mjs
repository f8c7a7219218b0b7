// What the burst benchmarks share (fleet.mjs, burst-ab.mjs, frame-delays.mjs, idle-gap.mjs):
// four stand-in GPU machines, a Corral config over them, a chat of N tokens, the warm-up, and
// the pinning (the stand-ins and the load generator on the first core, gateways on the last).
import { execFileSync } from 'node:child_process'
import os from 'node:os'
import { corralConfig, newKey, startBackend } from './procs.mjs'
import { treeOf } from './phases.mjs'
import { burst } from './fleet-load.mjs'

export const STAND_INS = 4
/** One-token chats every target serves before anything is measured (fleet.mjs's `--warm`). */
export const WARM_CHATS = 6400

/** Keeps what a benchmark starts (`start(promise)`), to stop it all at the end. */
export function keeper() {
  const procs = []
  return {
    async start(started) {
      const proc = await started
      procs.push(proc)
      return proc
    },
    stopAll: () => Promise.all(procs.map((p) => p.stop().catch(() => {}))),
  }
}

/**
 * Starts the stand-ins, each through `start` (which keeps it, to be stopped), and returns
 * them, their URLs, a new key and a Corral config with each at `capacity` slots.
 */
export async function startStandIns(
  fakeOllama,
  { frames, frameIntervalMs = 33, stampFrames = true, capacity },
  start = (p) => p,
) {
  const { key, hash } = newKey()
  const backends = []
  for (let i = 0; i < STAND_INS; i++) {
    backends.push(await start(startBackend(fakeOllama, { stampFrames, frames, frameIntervalMs })))
  }
  const urls = backends.map((b) => b.url)
  const config = corralConfig({ backendUrl: urls[0], keyHash: hash })
  config.backends = urls.map((url, i) => ({
    id: `gpu-${i + 1}`,
    name: `gpu-${i + 1}`,
    url,
    capacity,
  }))
  return { key, backends, urls, config }
}

/** The bench's chat (phases.mjs `requests(key).chat`) asking for `tokens` tokens. */
export function chatOf(chat, tokens) {
  return {
    ...chat,
    body: JSON.stringify({ ...JSON.parse(chat.body), options: { num_predict: tokens } }),
  }
}

/**
 * The chat with a conversation of about `kb` KB before its question: what Aider, Open WebUI
 * or a pasted file send on a long chat. Prose with accents, CJK and emoji, and code with
 * quotes and newlines (escapes in JSON), in turns of about 1 KB.
 */
export function withConversation(chat, kb) {
  if (!kb) return chat
  const body = JSON.parse(chat.body)
  const turn = 'Voilà le code, "naïf":\n```ts\nconst s = "x"\n```\n中文 😀 → fin.\t'.repeat(16)
  const history = []
  while (JSON.stringify(history).length < kb * 1024) {
    history.push({
      role: history.length % 2 ? 'assistant' : 'user',
      content: `${turn}${history.length}`,
    })
  }
  return { ...chat, body: JSON.stringify({ ...body, messages: [...history, ...body.messages] }) }
}

/** `chats` one-token chats in bursts of 64, so V8 has compiled a gateway's hot paths. */
export async function warmUp(pools, oneToken, chats = WARM_CHATS, clockOffsetMs = 0) {
  for (let sent = 0; sent < chats; sent += 64) await burst(pools, oneToken, 64, clockOffsetMs)
}

/** The stand-ins and this process on the first core, the gateways' processes on the last. */
export function pinAll(backends, gatewayPids) {
  for (const b of backends) pin(b.pid, 0)
  pin(process.pid, 0)
  for (const pid of treeOf(gatewayPids)) pin(pid, os.cpus().length - 1)
}

/** Pins every thread of a process to one core (best effort: needs taskset). */
export function pin(pid, core) {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' })
  } catch {
    // no taskset: unpinned, noisier
  }
}
