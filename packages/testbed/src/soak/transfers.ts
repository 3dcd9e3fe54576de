/** Checksummed TCP transfers through the VPN between lab hosts, with `transfer-agent.ts`. */
import { execFile } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { LabHost, NetnsLab } from '../lab/netns-lab.js'

/** The built agent; named from the package root so that it resolves from `src/` and `dist/` alike. */
const TRANSFER_AGENT = fileURLToPath(new URL('../../dist/soak/transfer-agent.js', import.meta.url))

/** The port every host's transfer server listens on. */
export const TRANSFER_PORT = 5201

export interface TransferResult {
  bytes: number
  /** Whether the receiver's SHA-256 of the bytes matched the sender's. */
  intact: boolean
  /** Sender's connect to the receiver's answer, or undefined when the transfer failed. */
  ms: number | undefined
  /** Why the transfer failed, when it did. */
  error: string | undefined
}

/** Starts a host's transfer server (killed with the lab) and resolves once it listens. */
export async function startTransferServer (lab: NetnsLab, host: LabHost): Promise<void> {
  const child = lab.spawn(host, process.execPath, [TRANSFER_AGENT, 'serve', String(TRANSFER_PORT)])
  child.stderr!.resume()
  await new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    lines.once('line', () => { resolve() })
    child.once('exit', code => { reject(new Error(`transfer server in ${host.netns} exited (${code}) before listening`)) })
  })
}

/**
 * Sends `bytes` random bytes from `from` to the transfer server at `address` through the VPN.
 * Never rejects: a failure is in the result.
 */
export async function transfer (from: LabHost, address: string, bytes: number, timeoutMs: number): Promise<TransferResult> {
  const args = ['netns', 'exec', from.netns, process.execPath, TRANSFER_AGENT, 'send', address, String(TRANSFER_PORT), String(bytes), String(timeoutMs)]
  return await new Promise(resolve => {
    // The agent gives up by itself at `timeoutMs`; this only catches an agent that hangs.
    execFile('ip', args, { timeout: timeoutMs + 10_000 }, (err, stdout, stderr) => {
      const printed = parseLastLine(stdout)
      if (err === null && printed.sha256 !== undefined && printed.sha256 === printed.received) {
        resolve({ bytes, intact: true, ms: printed.ms, error: undefined })
        return
      }
      const why = printed.error ??
        (printed.received === undefined
          ? `no digest from the receiver${err === null ? '' : `: ${err.message}`}`
          : `digest mismatch: sent ${printed.sha256 ?? '?'}, received ${printed.received}`)
      resolve({ bytes, intact: false, ms: undefined, error: stderr.trim() === '' ? why : `${why} (${stderr.trim()})` })
    })
  })
}

interface AgentOutput {
  sha256?: string
  received?: string
  ms?: number
  error?: string
}

/** The sender's last JSON line; empty when it printed none (killed, or it crashed). */
function parseLastLine (stdout: string): AgentOutput {
  try {
    return JSON.parse(stdout.trim().split('\n').pop() ?? '') as AgentOutput
  } catch {
    return {}
  }
}
