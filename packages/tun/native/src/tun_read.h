// Reading a TUN device in batches, shared by TunQueue (on the libuv loop) and FastPath (on its thread).
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgevpn_tun {

// A readiness wakeup drains at most this many full batches before yielding (to the rest of the loop,
// or to the sockets); epoll/poll are level-triggered, so whatever is left wakes us again.
constexpr int kRoundsPerWakeup = 4;
constexpr uint32_t kMaxBatchLimit = 4096;
constexpr uint32_t kMaxPacketLimit = 1 << 17;

struct TunReadBatch {
  // Packets kept, described in `meta`, and their bytes.
  uint32_t count = 0;
  size_t bytes = 0;
  // Packets longer than maxPacket, dropped.
  uint32_t oversized = 0;
  // The device had nothing more to read.
  bool drained = false;
  // errno of a failed read (the batch stops there), 0 otherwise.
  int error = 0;
};

// Reads up to `maxBatch` packets from the non-blocking `fd` back to back into `slab`, which holds
// maxBatch * maxPacket + 1 bytes; `meta` gets `[offset, length]` of each packet kept.
TunReadBatch ReadTunBatch(int fd, uint8_t* slab, int32_t* meta, uint32_t maxBatch, uint32_t maxPacket);

}  // namespace edgevpn_tun
