/**
 * A network token or config that cannot be used. The message is one line naming the problem, so
 * the CLI can print it and exit non-zero.
 */
export class ConfigError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}
