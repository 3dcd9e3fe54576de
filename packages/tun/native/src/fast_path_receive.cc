// The receive thread of the fast path: it waits on every receiver socket with epoll, opens whole
// records (ReadReceiver, OpenRecords), cuts their plaintext into units that may span records
// (TakePlaintext), and writes each unit to the TUN device after checking that it is a well-formed
// IP packet whose source address the peer may use (DeliverUnit, SourceAllowed). A record that
// fails authentication or breaks the format closes the channel. Runs under receiveMutex_.
#include "fast_path.h"
#include "fast_path_internal.h"
#include "tun_read.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace edgevpn_tun {

using namespace fast_path;

FastPath::Receiver::Receiver(int32_t id, int fd, const uint8_t* key)
    : id(id), fd(fd), opener(key), buffer(new uint8_t[kReceiveBufferBytes]), unit(new uint8_t[kMaxUnitBytes]) {}

void FastPath::ReceiveLoop() {
  RaiseThreadPriority();
  epoll_event events[64];
  while (!stopping_) {
    int n = ::epoll_wait(epoll_, events, 64, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      Report(0, ErrnoText("epoll_wait", errno), false);
      return;
    }
    for (int i = 0; i < n; ++i) {
      int32_t id = static_cast<int32_t>(events[i].data.u64);
      if (id == 0) {
        DrainEventFd(receiveWake_);
        continue;
      }
      std::lock_guard<std::mutex> lock(receiveMutex_);
      auto found = receivers_.find(id);
      if (found != receivers_.end() && !found->second->closed) ReadReceiver(*found->second);
    }
  }
}

void FastPath::ReadReceiver(Receiver& receiver) {
  for (int round = 0; round < kRoundsPerWakeup; ++round) {
    size_t room = kReceiveBufferBytes - receiver.fill;
    ssize_t n = ::recv(receiver.fd, receiver.buffer.get() + receiver.fill, room, MSG_DONTWAIT);
    if (n == 0) {
      // the sender ended the stream in the middle of a record or unit
      if (receiver.fill > 0 || receiver.headerFill > 0 || receiver.unitLength > 0) receiver.counters[kMalformedDrops] += 1;
      CloseReceiver(receiver, "the peer closed the fast-channel socket", false);
      return;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) CloseReceiver(receiver, ErrnoText("reading the fast-channel socket failed", errno), false);
      return;
    }
    receiver.fill += static_cast<size_t>(n);
    if (!OpenRecords(receiver) || static_cast<size_t>(n) < room) return;
  }
}

bool FastPath::OpenRecords(Receiver& receiver) {
  uint8_t* buffer = receiver.buffer.get();
  size_t start = 0;
  while (receiver.fill - start >= kRecordLengthBytes) {
    uint32_t length = ReadBe32(buffer + start);
    if (length <= kRecordTagBytes || length > kMaxRecordPlaintext + kRecordTagBytes) {
      CloseReceiver(receiver, "record length " + std::to_string(length) + " is outside " + std::to_string(kRecordTagBytes + 1) + ".." +
                                  std::to_string(kMaxRecordPlaintext + kRecordTagBytes), true);
      return false;
    }
    if (receiver.fill - start - kRecordLengthBytes < length) break;
    uint8_t* body = buffer + start + kRecordLengthBytes;
    if (!receiver.opener.Open(body, length)) {
      CloseReceiver(receiver, "record " + std::to_string(receiver.opener.counter() - 1) + " failed authentication", true);
      return false;
    }
    if (!TakePlaintext(receiver, body, length - kRecordTagBytes)) return false;
    start += kRecordLengthBytes + length;
  }
  if (start > 0) {
    std::memmove(buffer, buffer + start, receiver.fill - start);
    receiver.fill -= start;
  }
  return true;
}

bool FastPath::TakePlaintext(Receiver& receiver, const uint8_t* bytes, size_t length) {
  while (length > 0) {
    if (receiver.unitLength == 0) {
      size_t take = std::min(kUnitLengthBytes - receiver.headerFill, length);
      std::memcpy(receiver.unitHeader + receiver.headerFill, bytes, take);
      receiver.headerFill += take;
      bytes += take;
      length -= take;
      if (receiver.headerFill < kUnitLengthBytes) return true;
      receiver.headerFill = 0;
      receiver.unitLength = ReadBe32(receiver.unitHeader);
      receiver.unitFill = 0;
      if (receiver.unitLength == 0 || receiver.unitLength > kMaxUnitBytes) {
        CloseReceiver(receiver, "a unit of " + std::to_string(receiver.unitLength) + " bytes is outside 1.." + std::to_string(kMaxUnitBytes), true);
        return false;
      }
      continue;
    }
    if (receiver.unitFill == 0 && length >= receiver.unitLength) {
      // the common case: the whole unit is in this record
      DeliverUnit(receiver, bytes, receiver.unitLength);
      bytes += receiver.unitLength;
      length -= receiver.unitLength;
      receiver.unitLength = 0;
    } else {
      size_t take = std::min(receiver.unitLength - receiver.unitFill, length);
      std::memcpy(receiver.unit.get() + receiver.unitFill, bytes, take);
      receiver.unitFill += take;
      bytes += take;
      length -= take;
      if (receiver.unitFill < receiver.unitLength) return true;
      DeliverUnit(receiver, receiver.unit.get(), receiver.unitLength);
      receiver.unitLength = 0;
      receiver.unitFill = 0;
    }
    if (receiver.closed) return false;
  }
  return true;
}

bool FastPath::SourceAllowed(const Receiver& receiver, const uint8_t* packet, int version) const {
  if (receiver.anySource) return true;
  if (version == 4) return receiver.sources4.count(ReadBe32(SourceAddress(packet, 4))) > 0;
  IPv6Address source;
  std::memcpy(source.data(), SourceAddress(packet, 6), 16);
  return receiver.sources6.count(source) > 0;
}

void FastPath::DeliverUnit(Receiver& receiver, const uint8_t* unit, size_t length) {
  const uint8_t* packet = unit + kVnetHdrBytes;
  size_t packetLength = length > kVnetHdrBytes ? length - kVnetHdrBytes : 0;
  int version = IpVersion(packet, packetLength);
  if (version == 0) {
    receiver.counters[kMalformedDrops] += 1;
    return;
  }
  if (!SourceAllowed(receiver, packet, version)) {
    receiver.counters[kSpoofedDrops] += 1;
    return;
  }
  for (;;) {
    // offload units go to the kernel whole: it checks the virtio header and segments what needs it
    ssize_t n = ::write(tunFd_, unit, length);
    if (n >= 0) {
      receiver.counters[kReceivedPackets] += 1;
      receiver.counters[kReceivedBytes] += static_cast<double>(packetLength);
      arrays_.counterData[kPacketsWritten] += 1;
      arrays_.counterData[kBytesWritten] += static_cast<double>(n);
      return;
    }
    if (errno == EINTR) continue;
    if (errno == EINVAL) {
      receiver.counters[kMalformedDrops] += 1;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
      receiver.counters[kTunFullDrops] += 1;
      arrays_.counterData[kWriteDrops] += 1;
    } else {
      CloseReceiver(receiver, ErrnoText("writing to the TUN device failed", errno), false);
    }
    return;
  }
}

void FastPath::CloseReceiver(Receiver& receiver, const std::string& reason, bool brokeFormat) {
  if (receiver.closed) return;
  receiver.closed = true;
  ::epoll_ctl(epoll_, EPOLL_CTL_DEL, receiver.fd, nullptr);
  ::close(receiver.fd);
  Report(receiver.id, reason, brokeFormat);
}

}  // namespace edgevpn_tun
