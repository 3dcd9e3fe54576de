/**
 * Structured logging: one JSON object per line on stderr, in the shape of Go edgevpn's zap logs
 * (`level`, `time`, `logger`, `message`, then fields), so stdout stays free for command output.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

export interface Logger {
  debug: (message: string, fields?: LogFields) => void
  info: (message: string, fields?: LogFields) => void
  warn: (message: string, fields?: LogFields) => void
  error: (message: string, fields?: LogFields) => void
  /** A logger for a sub-component, e.g. `edgevpn.ledger`. */
  child: (name: string) => Logger
}

export type LogFields = Record<string, unknown>

export interface LoggerInit {
  /** @default 'edgevpn' */
  name?: string
  /** Messages below this level are dropped. @default 'info' */
  level?: LogLevel
  /** Where lines go. @default process.stderr */
  write?: (line: string) => void
}

/**
 * Parses a log level name the way Go edgevpn's CLI accepts it (`debug`, `info`, `warn`, `error`,
 * and zap's `dpanic`/`panic`/`fatal`, which map to `error`). Unknown names give `undefined`.
 */
export function parseLogLevel (text: string): LogLevel | undefined {
  const name = text.trim().toLowerCase()
  if (name === 'warning') return 'warn'
  if (name === 'dpanic' || name === 'panic' || name === 'fatal') return 'error'
  return name in LEVELS ? name as LogLevel : undefined
}

export function createLogger (init: LoggerInit = {}): Logger {
  const name = init.name ?? 'edgevpn'
  const threshold = LEVELS[init.level ?? 'info']
  const write = init.write ?? ((line: string) => { process.stderr.write(line) })

  const log = (level: LogLevel, message: string, fields?: LogFields): void => {
    if (LEVELS[level] < threshold) return
    const record = { level: level.toUpperCase(), time: new Date().toISOString(), logger: name, message, ...fields }
    write(JSON.stringify(record, jsonSafe) + '\n')
  }

  return {
    debug: (message, fields) => { log('debug', message, fields) },
    info: (message, fields) => { log('info', message, fields) },
    warn: (message, fields) => { log('warn', message, fields) },
    error: (message, fields) => { log('error', message, fields) },
    child: (child) => createLogger({ ...init, name: `${name}.${child}` })
  }
}

/** Keeps bigints and errors readable instead of throwing or printing `{}`. */
function jsonSafe (_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Error) return value.message
  return value
}
