/**
 * Runs the VPN comparison: one lab of two hosts on a bridge, the raw link first as the baseline,
 * then each contender in turn on the same hosts and overlay addresses, measured the same way.
 * A contender whose programs cannot be installed is skipped, one that breaks is reported as
 * failed with its daemons' logs kept; neither stops the run.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createNetnsLab, netnsUnavailableReason } from '@edgevpn/testbed/lab'
import { installCommands } from './debian.js'
import { rssMiB, sleep, waitForFirstPing } from './measure.js'
import { measurePath, PATH_STEPS } from './path-measure.js'
import type { Contender, TunnelSite } from '../contenders/index.js'
import type { Progress } from './progress.js'
import type { ContenderOutcome, TunnelResult, VpnSuiteResult } from './results.js'
import type { NetnsLab } from '@edgevpn/testbed/lab'

export interface VpnSuiteInit {
  contenders: readonly Contender[]
  /** Seconds per iperf3 run. */
  seconds: number
  /** Prefix of the lab's namespaces and links (see `createNetnsLab`), also of the VPN devices. */
  labPrefix: string
  progress: Progress
  /** How long a contender may take to answer its first ping. @default 60000 */
  firstPingTimeoutMs?: number
}

/** Overlay addresses every contender gets. */
const OVERLAY = { sender: '10.1.0.1', receiver: '10.1.0.2', prefixLength: 24 }
/** Starting a tunnel is one step, then the path steps. */
const CONTENDER_STEPS = 1 + PATH_STEPS

export async function runVpnSuite (init: VpnSuiteInit): Promise<VpnSuiteResult> {
  const { progress, seconds } = init
  const unavailable = netnsUnavailableReason()
  if (unavailable !== undefined) throw new Error(`cannot build the lab: ${unavailable}`)
  const tools = installCommands({ iperf3: 'iperf3', ping: 'iputils-ping' })
  if (tools.size > 0) throw new Error(`cannot measure: ${[...tools.values()].join('; ')}`)
  const missing = installCommands(Object.assign({}, ...init.contenders.map(c => c.commands)) as Record<string, string>)
  const runnable = init.contenders.filter(c => Object.keys(c.commands).every(command => !missing.has(command)))
  progress.plan(PATH_STEPS + runnable.length * CONTENDER_STEPS)

  const lab = await createNetnsLab({ prefix: init.labPrefix, hosts: 2 })
  try {
    const [sender, receiver] = lab.hosts
    lab.spawn(receiver, 'iperf3', ['-s'], { stdio: 'ignore' })
    await sleep(300)
    const raw = await measurePath({ lab, client: sender, server: receiver.address, seconds, label: 'raw link', progress })
    const contenders: ContenderOutcome[] = []
    for (const contender of init.contenders) {
      const reasons = Object.keys(contender.commands).flatMap(command => missing.get(command) ?? [])
      if (reasons.length > 0) {
        progress.note(`${contender.name}: skipped, ${reasons.join('; ')}`)
        contenders.push({ name: contender.name, status: 'skipped', reason: reasons.join('; ') })
      } else {
        contenders.push(await runContender(lab, contender, init))
      }
    }
    return { seconds, raw, contenders }
  } finally {
    await lab.destroy()
  }
}

async function runContender (lab: NetnsLab, contender: Contender, init: VpnSuiteInit): Promise<ContenderOutcome> {
  const { progress } = init
  const description = contender.describe()
  const [sender, receiver] = lab.hosts
  const workDir = mkdtempSync(join(tmpdir(), `${init.labPrefix}-${contender.name}-`))
  const site: TunnelSite = { lab, sender, receiver, overlay: OVERLAY, devicePrefix: init.labPrefix.slice(0, 6), workDir }
  const stepsBefore = progress.completed
  let failed = false
  try {
    const tunnel = await contender.setUp(site)
    try {
      progress.step(`${contender.name}: starting daemons, waiting for the first ping`)
      const started = performance.now()
      const daemons = await tunnel.start()
      await Promise.race([
        waitForFirstPing(lab, sender, OVERLAY.receiver, init.firstPingTimeoutMs ?? 60_000),
        daemons.sender.exited,
        daemons.receiver.exited
      ])
      const firstPingMs = performance.now() - started
      const loadAverage = loadavg()[0]
      progress.note(`first ping after ${firstPingMs.toFixed(0)} ms; RSS ${rssMiB(daemons.sender.pid).toFixed(0)} / ${rssMiB(daemons.receiver.pid).toFixed(0)} MiB; load average ${loadAverage.toFixed(2)}`)
      const path = await measurePath({
        lab, client: sender, server: OVERLAY.receiver, seconds: init.seconds, label: contender.name, progress,
        pids: { sender: daemons.sender.pid, receiver: daemons.receiver.pid }
      })
      if (path.daemons === undefined) throw new Error('daemon usage was not measured') // narrows the type: pids were given
      const result: TunnelResult = { ...path, daemons: path.daemons, firstPingMs, loadAverage }
      return { name: contender.name, status: 'measured', description, result }
    } finally {
      await tunnel.stop()
    }
  } catch (err) {
    failed = true
    progress.skip(CONTENDER_STEPS - (progress.completed - stepsBefore))
    const reason = `${(err as Error).message.split('\n')[0]} (logs in ${workDir})`
    progress.note(`${contender.name} failed: ${(err as Error).message}`)
    return { name: contender.name, status: 'failed', description, reason }
  } finally {
    if (!failed) rmSync(workDir, { recursive: true, force: true })
  }
}
