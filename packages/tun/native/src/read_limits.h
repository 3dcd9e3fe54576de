// Limits of reading a TUN device in batches, shared by TunQueue and FastPath.
#pragma once

#include <cstdint>

namespace edgevpn_tun {

// A readiness wakeup drains at most this many full batches before yielding (to the rest of the loop,
// or to the sockets); epoll/poll are level-triggered, so whatever is left wakes us again.
constexpr int kRoundsPerWakeup = 4;
constexpr uint32_t kMaxBatchLimit = 4096;
constexpr uint32_t kMaxPacketLimit = 1 << 17;

}  // namespace edgevpn_tun
