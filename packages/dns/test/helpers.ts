import { execFile, execFileSync } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { promisify } from 'node:util'
import dns2 from 'dns2'
import { encodeMessage } from '../src/wire.js'
import { textToName } from '../src/names.js'
import type { Socket as UdpSocket } from 'node:dgram'

const { Packet } = dns2
const run = promisify(execFile)

/** Whether `dig` can be used, installing dnsutils when missing and root; a reason when not. */
export function ensureDig (): string | undefined {
  const has = (): boolean => {
    try {
      execFileSync('sh', ['-c', 'command -v dig'], { stdio: 'ignore' })
      return true
    } catch {
      return false
    }
  }
  if (has()) return undefined
  if (process.getuid?.() !== 0) return 'dig is missing and installing dnsutils needs root'
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env })
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'dnsutils'], { stdio: 'ignore', env })
  } catch {}
  return has() ? undefined : 'dig is missing and apt-get could not install dnsutils'
}

export interface DigResult {
  status: string
  flags: string[]
  /** Answer lines split on whitespace: [name, ttl, class, type, ...data]. */
  answers: string[][]
  authorities: string[][]
}

/** Run dig against 127.0.0.1:`port` (asynchronously: the server lives in this process). */
export async function dig (port: number, ...args: string[]): Promise<DigResult> {
  const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(port), '+tries=1', '+time=5', '+nocookie', ...args])
  const status = /status: (\w+)/.exec(stdout)?.[1] ?? 'NO REPLY'
  const flags = (/;; flags: ([^;]*);/.exec(stdout)?.[1] ?? '').trim().split(/\s+/)
  const section = (title: string): string[][] => {
    const match = new RegExp(`;; ${title} SECTION:\\n([\\s\\S]*?)(\\n\\n|$)`).exec(stdout)
    return match === null ? [] : (match[1] as string).split('\n').filter(line => line !== '').map(line => line.split(/\s+/))
  }
  return { status, flags, answers: section('ANSWER'), authorities: section('AUTHORITY') }
}

/** A query with dns2's UDP client (an independent DNS implementation). */
export async function dns2Query (port: number, name: string, type: string): Promise<InstanceType<typeof Packet>> {
  return dns2.UDPClient({ dns: '127.0.0.1', port, timeout: 5000 })(name, type)
}

/** Raw query bytes built by our encoder. */
export function queryBytes (name: string, type: number, id = 0x1234): Buffer {
  return encodeMessage({
    header: { id, qr: false, opcode: 0, aa: false, tc: false, rd: true, ra: false, ad: false, cd: false, rcode: 0 },
    questions: [{ name: textToName(name), type, class: 1 }],
    answers: [],
    authorities: [],
    additionals: []
  })
}

/** Send one datagram and wait for one reply (undefined after `timeoutMs`). */
export async function udpExchange (port: number, message: Uint8Array, timeoutMs = 2000): Promise<Buffer | undefined> {
  const socket = createSocket('udp4')
  try {
    return await new Promise<Buffer | undefined>((resolve) => {
      const timer = setTimeout(() => { resolve(undefined) }, timeoutMs)
      socket.once('message', (reply) => {
        clearTimeout(timer)
        resolve(reply)
      })
      socket.send(message, port, '127.0.0.1')
    })
  } finally {
    socket.close()
  }
}

export interface UpstreamQuestion {
  name: string
  type: number
  transport: 'udp' | 'tcp'
}

/** What the upstream does with a question; `silent` never replies. */
export type UpstreamBehaviour =
  | 'silent'
  | {
    rcode?: number
    answers?: Array<Record<string, unknown>>
    authorities?: Array<Record<string, unknown>>
    /** Over UDP, reply with TC set and no records (the client must retry over TCP). */
    truncateUdp?: boolean
  }

export interface Upstream {
  readonly port: number
  readonly questions: UpstreamQuestion[]
  close: () => Promise<void>
}

/** A DNS server on loopback built with dns2, UDP and TCP on one port, recording what it is asked. */
export async function startUpstream (behaviour: (name: string, type: number) => UpstreamBehaviour): Promise<Upstream> {
  const questions: UpstreamQuestion[] = []
  const handler = (transport: 'udp' | 'tcp') => (request: InstanceType<typeof Packet>, send: (response: InstanceType<typeof Packet>) => void) => {
    const question = request.questions[0]
    if (question === undefined) return
    questions.push({ name: question.name, type: question.type, transport })
    const plan = behaviour(question.name, question.type)
    if (plan === 'silent') return
    const response = Packet.createResponseFromRequest(request)
    response.header.rcode = plan.rcode ?? 0
    if (transport === 'udp' && plan.truncateUdp === true) {
      response.header.tc = 1
    } else {
      response.answers.push(...(plan.answers ?? []).map(answer => ({ name: question.name, class: 1, ttl: 300, ...answer }) as never))
      response.authorities.push(...(plan.authorities ?? []) as never[])
    }
    send(response)
  }
  const udp = dns2.createUDPServer(handler('udp'))
  await udp.listen(0, '127.0.0.1')
  const port = (udp.address()).port
  const tcp = dns2.createTCPServer(handler('tcp'))
  await new Promise<void>(resolve => { tcp.listen(port, '127.0.0.1', resolve) })
  return {
    port,
    questions,
    close: async () => {
      await Promise.all([
        new Promise<void>(resolve => { udp.close(() => { resolve() }) }),
        new Promise<void>(resolve => { tcp.close(() => { resolve() }) })
      ])
    }
  }
}

/** A UDP port on loopback where nothing ever answers. */
export async function startSilentUpstream (): Promise<{ port: number, socket: UdpSocket }> {
  const socket = createSocket('udp4')
  await new Promise<void>(resolve => { socket.bind(0, '127.0.0.1', resolve) })
  return { port: socket.address().port, socket }
}

export const A = 1
export const AAAA = 28
export const TXT = 16
