/**
 * The one place that reaches below Node's public socket API. The fast channel hands its proven
 * sockets to the addon's threads and sets a TCP option Node lacks; both need the socket's file
 * descriptor, and `net.Socket` has no public way to give it. Node keeps it on the socket's
 * internal `_handle.fd` (a libuv TCP handle) on Linux; `test/socket-fd.spec.ts` checks that this
 * still names the socket (bytes written to it arrive at the peer), so a Node upgrade that moves it
 * fails there rather than on a data path.
 */
import { setSocketOption, SOCKET_OPTION } from '@edgevpn/tun'
import type { Socket } from 'node:net'

/** What Node keeps on a connected `net.Socket`: its libuv handle, which holds the descriptor. */
interface HandleOwner {
  _handle?: { fd?: number } | null
}

/**
 * Caps the bytes a connected TCP socket holds in the kernel not yet sent (TCP_NOTSENT_LOWAT),
 * which Node.js does not expose: beyond it the kernel takes no more, so writes back up in
 * Node.js and the sender's own queue, where interactive packets can overtake. Bytes in flight
 * are not limited, so throughput keeps the kernel's autotuned window.
 *
 * @throws Error when the socket has no file descriptor (not connected yet, or closed)
 * @throws TunError `ESYSCALL` when the kernel refuses the option
 */
export function limitUnsentBytes (socket: Socket, bytes: number): void {
  setSocketOption(socketFd(socket), SOCKET_OPTION.IPPROTO_TCP, SOCKET_OPTION.TCP_NOTSENT_LOWAT, bytes)
}

/**
 * The file descriptor of a connected socket.
 *
 * @throws Error when it has none (not connected yet, or closed)
 */
export function socketFd (socket: Socket): number {
  const fd = (socket as unknown as HandleOwner)._handle?.fd
  if (fd === undefined || fd < 0) throw new Error('the socket has no file descriptor')
  return fd
}
