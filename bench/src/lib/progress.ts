/** Numbered progress lines on stderr while a long benchmark runs: `[3/9] nebula: iperf3 4 streams…`. */
export class Progress {
  #done = 0
  #total = 0
  readonly #write: (line: string) => void

  constructor (write: (line: string) => void = line => { process.stderr.write(`${line}\n`) }) {
    this.#write = write
  }

  /** Steps started or skipped so far. */
  get completed (): number {
    return this.#done
  }

  /** Announces steps to come; call before the first `step()` so the total is right. */
  plan (steps: number): void {
    this.#total += steps
  }

  /** Starts the next step. */
  step (text: string): void {
    this.#done++
    this.#write(`[${this.#done}/${Math.max(this.#done, this.#total)}] ${text}…`)
  }

  /** Counts `steps` planned steps as done without running them (a contender that failed half-way). */
  skip (steps: number): void {
    this.#done += steps
  }

  /** A line between steps, indented under the current one. */
  note (text: string): void {
    this.#write(`      ${text}`)
  }
}
