// Names on the LAN are claims, not facts: any host can announce `_ollama._tcp` under any
// instance name, including the name of a backend the owner already has ("This computer").
// Candidates whose name collides with a backend or with another candidate are flagged with
// their address, adding one by an ambiguous name is refused, and a backend key goes to a host
// first seen through mDNS only when the owner confirms it (`confirmKey`).
import type { Candidate } from './types.js'

/** What the UI and CLI show of a candidate: the announcement, and why its name may mislead. */
export type FlaggedCandidate = Candidate & {
  /** Why the name may mislead (it is a backend's or another candidate's), null when it is unique. */
  nameClash: string | null
}

const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase()

/** Candidates with `nameClash` set where the name is a backend's or another candidate's. */
export function flagCandidates(
  candidates: readonly Candidate[],
  backends: readonly { name: string; url: string }[],
): FlaggedCandidate[] {
  return candidates.map((c) => {
    const backend = backends.find((b) => same(b.name, c.name))
    if (backend) {
      return {
        ...c,
        nameClash: `the backend at ${backend.url} has this name; this is another host, at ${c.url}`,
      }
    }
    const others = candidates.filter((o) => o !== c && same(o.name, c.name) && o.url !== c.url)
    if (others.length > 0) {
      const where = [c, ...others].map((o) => o.url).join(', ')
      return {
        ...c,
        nameClash: `${others.length + 1} services on the LAN have this name (${where})`,
      }
    }
    return { ...c, nameClash: null }
  })
}

/** The message for a backend key sent to a host first seen through mDNS without confirmation. */
export function unconfirmedKeyMessage(name: string, url: string): string {
  return (
    `"${name.slice(0, 100)}" at ${url} was found through mDNS, where any host can announce any name. ` +
    'Check that this address is the machine you mean, then send the backend key with --confirm-key ' +
    '(control API: "confirmKey": true).'
  )
}
