/** The version this build reports in logs, `--version` and the machines bucket. */
export const VERSION = '0.1.0'
