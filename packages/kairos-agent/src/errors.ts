/** The k3s command of a role failed to start (missing binary, early non-zero exit). */
export class K3sStartError extends Error {
  override name = 'K3sStartError'
}

/** A role node's configuration or state directory is unusable. */
export class RoleConfigError extends Error {
  override name = 'RoleConfigError'
}
