/** A DHCP option is malformed (e.g. an IPv6 base address or a prefix longer than /30); one line, naming it. */
export class DhcpConfigError extends Error {
  override name = 'DhcpConfigError'
}
