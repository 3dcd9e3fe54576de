/**
 * `edgevpn doctor`: runs a temporary node with the daemon's token and options, watches every
 * discovery source, and reports why no peer is found (or that peers are fine).
 */
import { createLogger } from '@edgevpn/mesh-core'
import { diagnose, formatJsonReport, formatReport, runDoctor, throwawayNodeInit } from '../../doctor/index.js'
import { loggerFromFlags, nodeInitFromFlags } from '../node-flags.js'
import { commonFlags } from '../common-flags.js'
import { flag, UsageError } from '@edgevpn/go-cli'
import type { Command } from '@edgevpn/go-cli'

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'tell why this node finds no peers (exit status 0 when a usable mesh peer is connected, else 1)',
  flags: [
    ...commonFlags,
    flag({ name: 'doctor-timeout', kind: 'duration', default: 20_000, usage: 'longest time to look for peers (it ends sooner once one answers)' }),
    flag({ name: 'json', kind: 'bool', default: false, usage: 'print the report as JSON' })
  ],
  run: async ({ flags, stdout, stopped }) => {
    const timeoutMs = flags.duration('doctor-timeout')
    if (timeoutMs <= 0) throw new UsageError(`--doctor-timeout must be positive, got ${timeoutMs} ms`)
    // The node's own logs would drown the report: only errors, unless asked for more.
    const logger = flags.isSet('log-level') ? loggerFromFlags(flags) : createLogger({ level: 'error' })
    const init = await throwawayNodeInit(await nodeInitFromFlags(flags, logger, { alive: false, instance: undefined }))
    const json = flags.bool('json')
    if (!json) stdout(`edgevpn doctor: looking for peers for up to ${timeoutMs / 1000} s...\n`)
    const observation = await runDoctor(init, { timeoutMs, stopped })
    const diagnosis = diagnose(observation, init.network)
    stdout(json ? formatJsonReport(observation, diagnosis) : formatReport(observation, diagnosis, init.network))
    return diagnosis.healthy ? 0 : 1
  }
}
