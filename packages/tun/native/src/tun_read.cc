#include "tun_read.h"

#include <unistd.h>

#include <cerrno>

namespace edgevpn_tun {

TunReadBatch ReadTunBatch(int fd, uint8_t* slab, int32_t* meta, uint32_t maxBatch, uint32_t maxPacket) {
  TunReadBatch batch;
  // read() gets one byte more than maxPacket: TUN truncates silently, so a full read means "too big".
  const size_t room = size_t{maxPacket} + 1;
  uint32_t reads = 0;
  while (reads < maxBatch) {
    ssize_t n = ::read(fd, slab + batch.bytes, room);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        batch.drained = true;
      } else {
        batch.error = errno;
      }
      break;
    }
    ++reads;
    if (static_cast<size_t>(n) > maxPacket) {
      ++batch.oversized;
      continue;
    }
    meta[2 * batch.count] = static_cast<int32_t>(batch.bytes);
    meta[2 * batch.count + 1] = static_cast<int32_t>(n);
    batch.bytes += static_cast<size_t>(n);
    ++batch.count;
  }
  return batch;
}

}  // namespace edgevpn_tun
