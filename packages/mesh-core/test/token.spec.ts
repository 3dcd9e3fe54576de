import { APPENDIX_A_TOKEN, appendixANetwork } from '@edgevpn/test/support/appendix-a'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ConfigError, decodeToken, encodeToken, generateNetworkConfig, loadNetworkConfig, networkConfigToYaml,
  parseNetworkConfigYaml, validateNetworkConfig
} from '@edgevpn/mesh-core'
import type { NetworkConfig } from '@edgevpn/mesh-core'

/** Appendix A.1: the sample config as yaml.v2 writes it (377 bytes) and its token. */
const SAMPLE_YAML = `otp:
  dht:
    interval: 360
    key: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
    length: 43
  crypto:
    interval: 360
    key: SGIB6NYJMSRJF2AJDGUI2NDB5LBVCPLSabcdefghijk
    length: 43
room: roomroomroomroomroomroomroomroomroomroomroo
rendezvous: rvrvrvrvrvrvrvrvrvrvrvrvrvrvrvrvrvrvrvrvrvr
mdns: mdnsmdnsmdnsmdnsmdnsmdnsmdnsmdnsmdnsmdnsmdn
max_message_size: 20971520
`
const SAMPLE_TOKEN = APPENDIX_A_TOKEN

const SAMPLE = appendixANetwork()

/** The sample YAML with one line replaced, e.g. `withLine('max_message_size', 'max_message_size: 0x10')`. */
function withLine (field: string, line: string): string {
  return SAMPLE_YAML.split('\n').map(l => l.trimStart().startsWith(`${field}:`) ? l.slice(0, l.indexOf(field)) + line : l).join('\n')
}

function yamlError (text: string): string {
  try {
    parseNetworkConfigYaml(text)
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return (err as Error).message
  }
  throw new Error('expected a ConfigError')
}

function tokenError (token: string): string {
  try {
    decodeToken(token)
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return (err as Error).message
  }
  throw new Error('expected a ConfigError')
}

describe('Appendix A.1 sample token', () => {
  it('encodes the sample config to the sample YAML and token, byte for byte', () => {
    expect(networkConfigToYaml(SAMPLE)).toBe(SAMPLE_YAML)
    expect(Buffer.byteLength(networkConfigToYaml(SAMPLE))).toBe(377)
    expect(encodeToken(SAMPLE)).toBe(SAMPLE_TOKEN)
  })

  it('decodes the sample token and YAML to the sample config', () => {
    expect(decodeToken(SAMPLE_TOKEN)).toEqual(SAMPLE)
    expect(parseNetworkConfigYaml(SAMPLE_YAML)).toEqual(SAMPLE)
  })
})

describe('generation', () => {
  it('uses the library defaults', () => {
    const config = generateNetworkConfig()
    expect(config.otp.dht.interval).toBe(9000n)
    expect(config.otp.crypto.interval).toBe(9000n)
    expect(config.otp.dht.length).toBe(43)
    expect(config.otp.crypto.length).toBe(43)
    expect(config.maxMessageSize).toBe(20971520)
    for (const secret of [config.otp.dht.key, config.otp.crypto.key, config.room, config.rendezvous, config.mdns]) {
      expect(secret).toMatch(/^[a-zA-Z0-9]{43}$/)
    }
    expect(new Set([config.otp.dht.key, config.otp.crypto.key, config.room, config.rendezvous, config.mdns]).size).toBe(5)
  })

  it('takes the interval and message size', () => {
    const config = generateNetworkConfig({ interval: 360n, maxMessageSize: 1024 })
    expect(config.otp.dht.interval).toBe(360n)
    expect(config.otp.crypto.interval).toBe(360n)
    expect(config.maxMessageSize).toBe(1024)
  })

  it('round-trips generate -> encode -> decode', () => {
    for (let i = 0; i < 20; i++) {
      const config = generateNetworkConfig({ interval: 360n })
      const token = encodeToken(config)
      expect(decodeToken(token)).toEqual(config)
      expect(Buffer.from(token, 'base64').toString()).toBe(networkConfigToYaml(config))
    }
  })
})

describe('token base64 (Go StdEncoding)', () => {
  it('ignores \\r and \\n anywhere, even inside the padding', () => {
    const wrapped = SAMPLE_TOKEN.match(/.{1,76}/g)?.join('\r\n') ?? ''
    expect(decodeToken(wrapped)).toEqual(SAMPLE)
    expect(decodeToken(`\n${SAMPLE_TOKEN.slice(0, -1)}\r\n=\n`)).toEqual(SAMPLE)
  })

  it('accepts non-zero trailing bits', () => {
    // "MAo=" ends the sample; "MAp=" differs only in the two bits that are dropped
    expect(SAMPLE_TOKEN.endsWith('MAo=')).toBe(true)
    expect(decodeToken(SAMPLE_TOKEN.slice(0, -2) + 'p=')).toEqual(SAMPLE)
  })

  it('rejects bad base64 with the position', () => {
    expect(tokenError('  ')).toBe("invalid network token: not base64 (unexpected character ' ' at position 0)")
    expect(tokenError(SAMPLE_TOKEN.slice(0, 12) + ' ' + SAMPLE_TOKEN.slice(12)))
      .toBe("invalid network token: not base64 (unexpected character ' ' at position 12)")
    expect(tokenError(SAMPLE_TOKEN.slice(0, 12) + '\t' + SAMPLE_TOKEN.slice(12)))
      .toBe('invalid network token: not base64 (unexpected character U+0009 at position 12)')
    expect(tokenError(SAMPLE_TOKEN.slice(0, -1)))
      .toBe(`invalid network token: not base64 (missing padding at position ${SAMPLE_TOKEN.length - 1})`)
    for (const urlSafe of ['-', '_']) {
      expect(tokenError(SAMPLE_TOKEN.slice(0, 20) + urlSafe + SAMPLE_TOKEN.slice(21)))
        .toBe(`invalid network token: not base64 (unexpected character '${urlSafe}' at position 20)`)
    }
    // an unpadded (base64url-style) encoding of the sample
    expect(tokenError(Buffer.from(SAMPLE_YAML).toString('base64url')))
      .toBe(`invalid network token: not base64 (missing padding at position ${SAMPLE_TOKEN.length - 1})`)
    expect(tokenError(SAMPLE_TOKEN + 'AAAA')).toMatch(/^invalid network token: not base64 \(unexpected character 'A' at position \d+ after the padding\)$/)
    expect(tokenError('AAAAA===')).toBe("invalid network token: not base64 (unexpected '=' at position 5)")
    expect(tokenError('AA=A')).toBe("invalid network token: not base64 (unexpected character 'A' at position 3)")
  })

  it('rejects a token whose YAML is not a usable config', () => {
    expect(tokenError(Buffer.from('[1, 2]').toString('base64')))
      .toBe('invalid network token: expected a mapping at the top level, got a sequence')
    expect(tokenError(Buffer.from('room: x\n').toString('base64'))).toBe('invalid network token: otp.crypto.interval must not be 0')
    expect(tokenError(Buffer.from([0xff, 0xfe, 0x41]).toString('base64'))).toBe('invalid network token: not UTF-8 text')
    expect(tokenError('')).toBe('invalid network token: empty')
  })
})

describe('config YAML errors', () => {
  it('names each problem', () => {
    expect(yamlError('otp: [1\n')).toMatch(/^invalid network config: not YAML \(.+\)$/)
    expect(yamlError('- a\n- b\n')).toBe('invalid network config: expected a mapping at the top level, got a sequence')
    expect(yamlError('hello\n')).toBe('invalid network config: expected a mapping at the top level, got a string')
    expect(yamlError(withLine('max_message_size', 'max_message_size: abc')))
      .toBe('invalid network config: max_message_size: expected an integer, got a string')
    expect(yamlError(withLine('max_message_size', 'max_message_size: "360"')))
      .toBe('invalid network config: max_message_size: expected an integer, got a string')
    expect(yamlError(withLine('max_message_size', 'max_message_size: true')))
      .toBe('invalid network config: max_message_size: expected an integer, got a bool')
    expect(yamlError(withLine('room', 'room: [a]'))).toBe('invalid network config: room: expected a string, got a sequence')
    expect(yamlError(SAMPLE_YAML.replace('  crypto:\n', '  crypto: 5\n  cryptox:\n')))
      .toBe('invalid network config: otp.crypto: expected a mapping, got an int')
    expect(yamlError(SAMPLE_YAML.replace('interval: 360\n    key: SG', 'interval: 0\n    key: SG')))
      .toBe('invalid network config: otp.crypto.interval must not be 0')
    expect(yamlError(SAMPLE_YAML.replace('interval: 360\n    key: aaa', 'interval: 0\n    key: aaa')))
      .toBe('invalid network config: otp.dht.interval must not be 0 while otp.dht.key is set')
    expect(yamlError(SAMPLE_YAML.replace('length: 43\nroom', 'length: 45\nroom')))
      .toBe('invalid network config: otp.crypto.length must be at most 44, got 45')
    expect(yamlError(SAMPLE_YAML.replace('length: 43\n  crypto', 'length: 45\n  crypto')))
      .toBe('invalid network config: otp.dht.length must be at most 44, got 45')
    expect(yamlError(withLine('max_message_size', ''))).toBe('invalid network config: max_message_size is missing or 0')
    expect(yamlError(withLine('max_message_size', 'max_message_size: -1')))
      .toBe('invalid network config: max_message_size must be positive, got -1')
    expect(yamlError(SAMPLE_YAML.replace('interval: 360\n    key: SG', 'interval: 9223372036854775808\n    key: SG')))
      .toBe('invalid network config: otp.crypto.interval: "9223372036854775808" is above the largest integer 9223372036854775807')
    expect(yamlError(withLine('max_message_size', 'max_message_size: 1e300')))
      .toBe('invalid network config: max_message_size: "1e300" is out of the 64-bit integer range')
    expect(yamlError(withLine('max_message_size', 'max_message_size: !!int abc')))
      .toBe('invalid network config: max_message_size: cannot read string "abc" as !!int')
  })

  it('accepts a DHT interval of 0 when the DHT OTP is off, and negative intervals', () => {
    const yaml = SAMPLE_YAML.replace('interval: 360\n    key: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'interval: 0\n    key: ~')
      .replace('interval: 360\n    key: SG', 'interval: -1\n    key: SG')
    const config = parseNetworkConfigYaml(yaml)
    expect(config.otp.dht).toEqual({ interval: 0n, key: '', length: 43 })
    expect(config.otp.crypto.interval).toBe(-1n)
  })

  it('validates configs built in code', () => {
    expect(() => { validateNetworkConfig(SAMPLE) }).not.toThrow()
    expect(() => { validateNetworkConfig({ ...SAMPLE, maxMessageSize: 0 }, 'network token') })
      .toThrow('invalid network token: max_message_size is missing or 0')
  })
})

describe('YAML 1.1 decoding like yaml.v2 (errata A1)', () => {
  const read = (field: string, value: string): NetworkConfig => parseNetworkConfigYaml(withLine(field, `${field}: ${value}`))

  it('reads ints with Go syntax', () => {
    expect(read('max_message_size', '0x168').maxMessageSize).toBe(360)
    expect(read('max_message_size', '0360').maxMessageSize).toBe(240)
    expect(read('max_message_size', '0o17').maxMessageSize).toBe(15)
    expect(read('max_message_size', '0b101').maxMessageSize).toBe(5)
    expect(read('max_message_size', '1_000').maxMessageSize).toBe(1000)
    expect(read('max_message_size', '+25').maxMessageSize).toBe(25)
    expect(read('max_message_size', '3.6e2').maxMessageSize).toBe(360)
    expect(read('max_message_size', '360.9').maxMessageSize).toBe(360)
    expect(read('max_message_size', '1e3').maxMessageSize).toBe(1000)
    expect(read('length', '-0.5').otp.crypto.length).toBe(0)
    expect(read('length', '~').otp.crypto.length).toBe(0)
    expect(() => read('max_message_size', '12:30')).toThrow('expected an integer, got a string')
    expect(() => read('max_message_size', '2026-01-01')).toThrow('expected an integer, got a timestamp')
    expect(() => read('max_message_size', '09')).not.toThrow()
    expect(read('max_message_size', '09').maxMessageSize).toBe(9)
  })

  it('keeps the Kairos MaxInt64 interval exactly', () => {
    const yaml = SAMPLE_YAML.replaceAll('interval: 360', 'interval: 9223372036854775807')
    const config = parseNetworkConfigYaml(yaml)
    expect(config.otp.crypto.interval).toBe(9223372036854775807n)
    expect(networkConfigToYaml(config)).toBe(yaml)
  })

  it('keeps the source text of unquoted string scalars', () => {
    expect(read('room', '0x1F').room).toBe('0x1F')
    expect(read('room', 'yes').room).toBe('yes')
    expect(read('room', 'true').room).toBe('true')
    expect(read('room', '1.50').room).toBe('1.50')
    expect(read('room', '2026-01-01').room).toBe('2026-01-01')
    expect(read('room', '12:30').room).toBe('12:30')
    expect(read('room', '"quoted: x"').room).toBe('quoted: x')
    expect(read('room', "'it''s'").room).toBe("it's")
    expect(read('room', '"tab\\there"').room).toBe('tab\there')
  })

  it('reads null and ~ as the empty string (the DHT key then selects the static rendezvous)', () => {
    expect(read('room', 'null').room).toBe('')
    expect(read('room', '~').room).toBe('')
    expect(read('room', '').room).toBe('')
    expect(read('room', '"null"').room).toBe('null')
    const config = parseNetworkConfigYaml(SAMPLE_YAML.replace('key: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'key: null'))
    expect(config.otp.dht.key).toBe('')
  })

  it('lets the last duplicate key win, field by field for repeated blocks', () => {
    expect(parseNetworkConfigYaml(SAMPLE_YAML + 'room: second\n').room).toBe('second')
    const config = parseNetworkConfigYaml(SAMPLE_YAML + 'otp:\n  crypto:\n    length: 12\n')
    expect(config.otp.crypto).toEqual({ ...SAMPLE.otp.crypto, length: 12 })
    expect(config.otp.dht).toEqual(SAMPLE.otp.dht)
  })

  it('ignores unknown keys and zeroes missing ones', () => {
    const config = parseNetworkConfigYaml('extra: [1, 2]\notp: {crypto: {interval: 5, unknown: x}}\nmax_message_size: 1\n')
    expect(config).toEqual({
      otp: { dht: { interval: 0n, key: '', length: 0 }, crypto: { interval: 5n, key: '', length: 0 } },
      room: '',
      rendezvous: '',
      mdns: '',
      maxMessageSize: 1
    })
  })

  it('accepts flow style, other indentation, CRLF, document markers, anchors and merge keys', () => {
    const flow = '--- {otp: {dht: {interval: 360, key: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, length: 43}, ' +
      'crypto: {interval: 360, key: SGIB6NYJMSRJF2AJDGUI2NDB5LBVCPLSabcdefghijk, length: 43}}, ' +
      `room: ${SAMPLE.room}, rendezvous: ${SAMPLE.rendezvous}, mdns: ${SAMPLE.mdns}, max_message_size: 20971520}\n...\n`
    expect(parseNetworkConfigYaml(flow)).toEqual(SAMPLE)
    const wide = SAMPLE_YAML.replaceAll('\n  ', '\n    ').replaceAll('\n', '\r\n')
    expect(parseNetworkConfigYaml(wide)).toEqual(SAMPLE)
    const merged = SAMPLE_YAML.replace('  crypto:\n    interval: 360\n', '  crypto:\n    <<: {interval: 7, length: 3}\n')
      .replace('  dht:\n', '  dht: &dht\n')
    const config = parseNetworkConfigYaml(merged + 'otp:\n  dht: *dht\n')
    expect(config.otp.crypto).toEqual({ ...SAMPLE.otp.crypto, interval: 7n })
    expect(config.otp.dht).toEqual(SAMPLE.otp.dht)
  })

  it('only reads the first document', () => {
    expect(parseNetworkConfigYaml(SAMPLE_YAML + '---\nroom: other\n')).toEqual(SAMPLE)
  })
})

describe('YAML encoding like yaml.v2 (errata A2)', () => {
  const roomLine = (room: string): string => {
    const yaml = networkConfigToYaml({ ...SAMPLE, room })
    return yaml.slice(yaml.indexOf('room:'), yaml.indexOf('rendezvous:'))
  }

  it('double-quotes strings that would read back as something else', () => {
    for (const room of ['', '123', 'yes', 'on', 'null', '1e3', '0x10', '12:30', '2026-01-01', 'y', '.5', '+1', '1_0', '09']) {
      expect(roomLine(room)).toBe(`room: "${room}"\n`)
    }
  })

  it('single-quotes strings with indicators or edge spaces', () => {
    expect(roomLine('a: b')).toBe("room: 'a: b'\n")
    expect(roomLine('#x')).toBe("room: '#x'\n")
    expect(roomLine(' x')).toBe("room: ' x'\n")
    expect(roomLine('x ')).toBe("room: 'x '\n")
    expect(roomLine("it's: x")).toBe("room: 'it''s: x'\n")
    expect(roomLine('- a')).toBe("room: '- a'\n")
  })

  it('leaves other strings plain, including printable non-ASCII', () => {
    for (const room of ['héllo', 'a#b', 'a-b', 'ключ', 'x:y']) expect(roomLine(room)).toBe(`room: ${room}\n`)
  })

  it('escapes non-printable characters and writes line breaks as literal blocks', () => {
    expect(roomLine('a\tb')).toBe('room: "a\\tb"\n')
    expect(roomLine('😀')).toBe('room: "\\U0001F600"\n')
    expect(roomLine('a\nb')).toBe('room: |-\n  a\n  b\n')
    expect(roomLine('a\n')).toBe('room: |\n  a\n')
  })

  it('folds long strings past column 80 and reads every style back unchanged', () => {
    const long = Array.from({ length: 30 }, () => 'word').join(' ')
    expect(roomLine(long)).toBe(`room: ${long.slice(0, 79)}\n  ${long.slice(80)}\n`)
    const samples = [long, `'q' ${'w '.repeat(50)}e`, `"${'w '.repeat(50)}  x"`, ' a\nb\n\n', 'a\r\nb', '\ufeffab', '---x', '<<', '']
    for (const room of samples) {
      expect(parseNetworkConfigYaml(networkConfigToYaml({ ...SAMPLE, room })).room).toBe(room)
    }
  })
})

describe('loadNetworkConfig', () => {
  let dir = ''
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'evt-token-')) })
  afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

  it('loads a token', async () => {
    await expect(loadNetworkConfig({ token: SAMPLE_TOKEN })).resolves.toEqual(SAMPLE)
  })

  it('lets the config file replace the token entirely', async () => {
    const file = join(dir, 'config.yaml')
    await writeFile(file, 'otp:\n  crypto:\n    interval: 60\nmax_message_size: 10\n')
    const config = await loadNetworkConfig({ token: SAMPLE_TOKEN, configFile: file })
    expect(config.otp.crypto.interval).toBe(60n)
    expect(config.room).toBe('')
    expect(config.maxMessageSize).toBe(10)
  })

  it('still rejects a malformed token next to a file, but validates only the config in effect', async () => {
    const file = join(dir, 'sample.yaml')
    await writeFile(file, SAMPLE_YAML)
    await expect(loadNetworkConfig({ token: 'not a token', configFile: file })).rejects.toThrow(/^invalid network token: not base64/)
    const unusable = Buffer.from('room: x\n').toString('base64')
    await expect(loadNetworkConfig({ token: unusable, configFile: file })).resolves.toEqual(SAMPLE)
    await expect(loadNetworkConfig({ token: unusable })).rejects.toThrow('invalid network token: otp.crypto.interval must not be 0')
  })

  it('names the file in its errors', async () => {
    const file = join(dir, 'bad.yaml')
    await writeFile(file, 'max_message_size: big\n')
    await expect(loadNetworkConfig({ configFile: file }))
      .rejects.toThrow(`invalid network config ${file}: max_message_size: expected an integer, got a string`)
    const missing = join(dir, 'missing.yaml')
    await expect(loadNetworkConfig({ configFile: missing })).rejects.toThrow(ConfigError)
    await expect(loadNetworkConfig({ configFile: missing })).rejects.toThrow(`cannot read network config file ${missing}: ENOENT`)
  })

  it('requires a token or a config file', async () => {
    await expect(loadNetworkConfig({})).rejects.toThrow('EDGEVPNCONFIG or EDGEVPNTOKEN not supplied. At least a config file is required')
    await expect(loadNetworkConfig({ token: '', configFile: '' })).rejects.toThrow(ConfigError)
  })
})
