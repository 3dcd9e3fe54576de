import { getJson } from '../api.js'
import type { MachineStatus } from '../api.js'

/** Host names of the machines on the ledger, by peer ID, to name peers on screen. */
export async function loadHostnames (signal: AbortSignal): Promise<Map<string, string>> {
  const machines = await getJson<MachineStatus[]>('/api/machines', signal)
  return new Map(machines.map(machine => [machine.PeerID, machine.Hostname]))
}
