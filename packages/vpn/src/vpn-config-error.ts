/** A VPN option is malformed or inconsistent (e.g. `--packet-mtu` below `--mtu`); one line, naming it. */
export class VpnConfigError extends Error {
  override name = 'VpnConfigError'
}
