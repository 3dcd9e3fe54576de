// What the three parts of the fast path share: unit sizes, byte order and thread helpers. The
// class is FastPath (fast_path.h); its N-API glue is fast_path_glue.cc, its send thread
// fast_path_send.cc and its receive thread fast_path_receive.cc.
#pragma once

#include "ip_header.h"
#include "record_cipher.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace edgevpn_tun {
namespace fast_path {
// The largest unit a record stream carries: a virtio header and a 64 KiB IP packet.
constexpr size_t kMaxUnitBytes = kVnetHdrBytes + 0xffff;
constexpr size_t kUnitLengthBytes = 4;
constexpr size_t kReceiveBufferBytes = 2 * (kMaxRecordPlaintext + kRecordOverhead);
// The loop's threads run at this nice value when allowed (root, CAP_SYS_NICE): a packet waits for
// them to be scheduled, so on a busy machine they should not queue behind bulk work for a whole
// time slice. They block whenever there is nothing to do, so they cannot starve anything.
constexpr int kThreadNice = -10;

inline void RaiseThreadPriority() {
  // an unprivileged process keeps the default: that is fine
  ::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), kThreadNice);
}

inline double NowMs() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

inline uint32_t ReadBe32(const uint8_t* bytes) {
  return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) | bytes[3];
}

inline void WriteBe32(uint32_t value, uint8_t* bytes) {
  bytes[0] = static_cast<uint8_t>(value >> 24);
  bytes[1] = static_cast<uint8_t>(value >> 16);
  bytes[2] = static_cast<uint8_t>(value >> 8);
  bytes[3] = static_cast<uint8_t>(value);
}

inline void DrainEventFd(int fd) {
  uint64_t value;
  while (::read(fd, &value, sizeof(value)) > 0) {
  }
}

inline std::string ErrnoText(const char* what, int err) { return std::string(what) + ": " + std::strerror(err); }

}  // namespace fast_path
}  // namespace edgevpn_tun
