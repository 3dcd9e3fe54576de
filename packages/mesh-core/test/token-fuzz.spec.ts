/**
 * Bounded fuzzing of network tokens and config files (docs/security.md): mutated tokens, and
 * tokens made of mutated YAML, either decode or fail with a one-line ConfigError that does not
 * quote the OTP keys. `FUZZ_SEED=<n>` replays a run.
 */
import { seededRandom } from '@edgevpn/test/support/random'
import { describe, expect, it } from 'vitest'
import { ConfigError, decodeToken, encodeToken, generateNetworkConfig, networkConfigToYaml } from '../src/index.js'

const SEED = Number(process.env.FUZZ_SEED ?? (Date.now() >>> 0))
const DURATION_MS = 3_000
const PIECES = ['', ':', ' ', '\n', '  ', '- ', '"', "'", '!!binary ', '{', '[', '&a', '*a', '#', '0x', '-1', '1e400', '~', 'null', '\t', '\u00ff', '%']

describe(`token and config fuzzing (seed ${SEED})`, () => {
  it('decodes or refuses with a one-line ConfigError that never quotes a key', () => {
    const random = seededRandom(SEED)
    const int = (below: number): number => Math.floor(random() * below)
    const config = generateNetworkConfig({ interval: 360n })
    const token = encodeToken(config)
    const yaml = networkConfigToYaml(config)
    const secrets = [config.otp.dht.key, config.otp.crypto.key]
    const mutate = (text: string, pieces: readonly string[]): string => {
      let out = text
      for (let edits = 1 + int(4); edits > 0; edits--) {
        const at = int(out.length + 1)
        const choice = random()
        if (choice < 0.4) out = out.slice(0, at) + pieces[int(pieces.length)] + out.slice(at + int(3))
        else if (choice < 0.7) out = out.slice(0, at) + out.slice(at + 1 + int(30))
        else out = out.slice(0, at) + out.slice(int(out.length), int(out.length) + int(40)) + out.slice(at)
      }
      return out
    }
    const base64Pieces = ['A', '/', '+', '-', '_', '=', '==', '!', ' ', '\n']
    const counts = { decoded: 0, refused: 0 }
    const deadline = Date.now() + DURATION_MS
    while (Date.now() < deadline) {
      const input = random() < 0.5 ? mutate(token, base64Pieces) : Buffer.from(mutate(yaml, PIECES)).toString('base64')
      try {
        decodeToken(input)
        counts.decoded++
      } catch (err) {
        if (!(err instanceof ConfigError)) throw new Error(`seed ${SEED}: ${JSON.stringify(input)}: ${String(err)}`)
        expect(err.message, `seed ${SEED}`).not.toContain('\n')
        for (const secret of secrets) expect(err.message, `seed ${SEED}: ${err.message}`).not.toContain(secret)
        counts.refused++
      }
    }
    console.log(`tokens: ${JSON.stringify(counts)} (seed ${SEED})`)
    expect(counts.refused).toBeGreaterThan(0)
  })
})
