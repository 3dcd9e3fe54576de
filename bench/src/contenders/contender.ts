/**
 * What the benchmark needs from each VPN it measures. Every contender runs on the same two lab
 * hosts with the same overlay addresses, so one measurement routine serves them all.
 */
import type { LabProcess } from '../lib/lab-process.js'
import type { LabHost, NetnsLab } from '@edgevpn/testbed/lab'

/** The two-host lab a contender is set up on. Host `sender` runs the iperf3 client. */
export interface TunnelSite {
  lab: NetnsLab
  sender: LabHost
  receiver: LabHost
  /** Overlay addresses of the sender and the receiver, e.g. `10.1.0.1`. */
  overlay: { sender: string, receiver: string, prefixLength: number }
  /** Prefix for device names, at most 6 characters: some names are global (wireguard-go's UAPI sockets). */
  devicePrefix: string
  /** A fresh directory for keys, configurations and logs, removed afterwards. */
  workDir: string
}

/** A contender set up on a site: its daemons, not started yet. */
export interface Tunnel {
  /**
   * Starts the daemon on each host and configures what the daemon does not (addresses, keys).
   * Resolves once both run; the time to the first ping counts from the call.
   */
  start: () => Promise<TunnelDaemons>
  /** Stops the daemons and removes what they left behind (devices, sockets). */
  stop: () => Promise<void>
}

export interface TunnelDaemons {
  sender: LabProcess
  receiver: LabProcess
}

export interface Contender {
  /** Short name used in `--only`, tables and JSON, e.g. `nebula`. */
  readonly name: string
  /** Commands the contender runs → the Debian package that provides each. */
  readonly commands: Record<string, string>
  /** Version and data path in one line, read once its commands are installed. */
  describe: () => string
  /** Writes keys and configuration for `site` (not timed). */
  setUp: (site: TunnelSite) => Promise<Tunnel>
}
