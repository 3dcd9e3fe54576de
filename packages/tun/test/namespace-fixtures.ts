// Runs fixture scripts inside a network namespace of the test's own, for the specs that need real TUN
// devices: `ip netns exec <namespace> <node> <fixture> <scenario>`, reading the JSON lines it prints.
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { tunUnavailableReason } from '@edgevpn/tun'
import type { ChildProcess } from 'node:child_process'

/** Why the TUN tests cannot run here, or undefined when they can. */
export function namespaceUnavailableReason (): string | undefined {
  if (process.platform !== 'linux') return 'TUN tests need Linux'
  if (process.getuid?.() !== 0) return 'TUN tests need root to create network namespaces'
  if (spawnSync('ip', ['-V']).status !== 0) return 'TUN tests need the ip command (iproute2)'
  return tunUnavailableReason()
}

function ip (...args: string[]): string {
  const result = spawnSync('ip', args, { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${result.stderr.trim()}`)
  return result.stdout
}

export interface FixtureRun {
  /** The fixture's JSON lines, in order. */
  lines: unknown[]
  exitCode: number | null
  stderr: string
}

/** One namespace and the fixture processes running in it. */
export class NamespaceFixtures {
  readonly namespace: string
  readonly #fixture: string
  readonly #children = new Set<ChildProcess>()

  /** `fixture` is the path of the script that the built package's scenarios run from. */
  constructor (namespace: string, fixture: string) {
    this.namespace = namespace
    this.#fixture = fixture
  }

  /** Creates the namespace afresh (a leftover of a killed run is removed) with its loopback up. */
  create (): void {
    spawnSync('ip', ['netns', 'del', this.namespace])
    ip('netns', 'add', this.namespace)
    this.ip('link', 'set', 'lo', 'up')
  }

  /** Runs `ip` inside the namespace. */
  ip (...args: string[]): string {
    return ip('netns', 'exec', this.namespace, 'ip', ...args)
  }

  /**
   * Runs a fixture scenario with the built package inside the namespace. `onLine` sees each JSON line as it
   * arrives (e.g. to inspect the device while the fixture holds it open). The process must exit by itself.
   */
  async run (scenario: string, onLine?: (line: unknown, child: ChildProcess) => void): Promise<FixtureRun> {
    const child = spawn('ip', ['netns', 'exec', this.namespace, process.execPath, this.#fixture, scenario], { stdio: ['pipe', 'pipe', 'pipe'] })
    this.#children.add(child)
    let stderr = ''
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
    const lines: unknown[] = []
    const exited = once(child, 'exit') as Promise<[number | null]>
    for await (const text of createInterface({ input: child.stdout! })) {
      const line: unknown = JSON.parse(text)
      lines.push(line)
      onLine?.(line, child)
    }
    const [exitCode] = await exited
    this.#children.delete(child)
    return { lines, exitCode, stderr }
  }

  /** Kills the fixtures still running and deletes the namespace (with the devices left in it). */
  destroy (): void {
    for (const child of this.#children) child.kill('SIGKILL')
    this.#children.clear()
    spawnSync('ip', ['netns', 'del', this.namespace])
  }
}
