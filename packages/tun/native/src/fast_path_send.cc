// The send thread of the fast path. Flow of a packet from the TUN device to a peer:
//
//   ReadTun        reads a batch from the device into the read slab
//   RouteOf        picks the sender of each packet by destination address (no route: Handoff to JS)
//   SendUnits      queues the units per sender: interactive lane first, CoDel on bulk (unit_queue.h)
//   Flush          takes units off the queue while the socket takes bytes
//   SealListed     seals them, length-prefixed, into one AES-256-GCM record (record_cipher.h)
//   WriteOut       writes the record, whole, before the next one
//
// Everything here runs on the send thread under sendMutex_; JS changes senders and routes under
// the same lock (fast_path_glue.cc).
#include "fast_path.h"
#include "fast_path_internal.h"
#include "tun_read.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace edgevpn_tun {

using namespace fast_path;

void FastPath::SendLoop() {
  RaiseThreadPriority();
  std::vector<pollfd> fds;
  std::vector<int32_t> ids;
  while (!stopping_) {
    fds.clear();
    ids.clear();
    fds.push_back({sendWake_, POLLIN, 0});
    bool reading = reading_.load();
    if (reading) fds.push_back({tunFd_, POLLIN, 0});
    size_t firstSender = fds.size();
    {
      std::lock_guard<std::mutex> lock(sendMutex_);
      for (auto& entry : senders_) {
        Sender& sender = *entry.second;
        if (sender.closed) continue;
        // the peer never sends on this socket: readable means closed
        fds.push_back({sender.fd, static_cast<short>(POLLRDHUP | (sender.Backlogged() ? POLLOUT : 0)), 0});
        ids.push_back(entry.first);
      }
    }
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      Report(0, ErrnoText("poll", errno), false);
      return;
    }
    if (fds[0].revents != 0) DrainEventFd(sendWake_);
    std::lock_guard<std::mutex> lock(sendMutex_);
    for (size_t i = 0; i < ids.size(); ++i) {
      short revents = fds[firstSender + i].revents;
      auto found = senders_.find(ids[i]);
      if (revents == 0 || found == senders_.end() || found->second->closed) continue;
      if ((revents & (POLLERR | POLLHUP | POLLRDHUP)) != 0) {
        CloseSender(*found->second, "the peer closed the fast-channel socket");
      } else if ((revents & POLLOUT) != 0) {
        Flush(*found->second);
      }
    }
    if (reading && fds[1].revents != 0) ReadTun();
  }
}

int32_t FastPath::RouteOf(const uint8_t* unit, size_t length) const {
  if (length <= kVnetHdrBytes) return 0;
  const uint8_t* packet = unit + kVnetHdrBytes;
  int version = IpVersion(packet, length - kVnetHdrBytes);
  if (version == 4) {
    auto found = routes4_.find(ReadBe32(DestinationAddress(packet, 4)));
    return found == routes4_.end() ? 0 : found->second;
  }
  if (version == 6) {
    IPv6Address destination;
    std::memcpy(destination.data(), DestinationAddress(packet, 6), 16);
    auto found = routes6_.find(destination);
    return found == routes6_.end() ? 0 : found->second;
  }
  return 0;
}

void FastPath::ReadTun() {
  uint8_t* slab = readSlab_.get();
  for (int round = 0; round < kRoundsPerWakeup; ++round) {
    TunReadBatch batch = ReadTunBatch(tunFd_, slab, readMeta_.data(), maxBatch_, maxPacket_);
    arrays_.counterData[kReadDrops] += batch.oversized;
    arrays_.counterData[kPacketsRead] += batch.count;
    arrays_.counterData[kBytesRead] += static_cast<double>(batch.bytes);
    bool handedOff = false;
    for (uint32_t i = 0; i < batch.count; ++i) {
      const uint8_t* unit = slab + readMeta_[2 * i];
      size_t length = static_cast<size_t>(readMeta_[2 * i + 1]);
      auto found = senders_.find(RouteOf(unit, length));
      if (found != senders_.end() && !found->second->closed) {
        Sender& sender = *found->second;
        if (sender.staged.empty()) touched_.push_back(&sender);
        sender.staged.push_back(readMeta_[2 * i]);
        sender.staged.push_back(readMeta_[2 * i + 1]);
      } else {
        Handoff(unit, length);
        handedOff = true;
      }
    }
    for (Sender* sender : touched_) {
      SendUnits(*sender, slab, sender->staged.data(), sender->staged.size() / 2);
      sender->staged.clear();
    }
    touched_.clear();
    if (handedOff) Notify();
    if (batch.error != 0) {
      reading_ = false;
      Report(0, ErrnoText("reading the TUN device failed", batch.error), false);
      return;
    }
    if (batch.drained) return;
  }
}

void FastPath::SendUnits(Sender& sender, const uint8_t* base, const int32_t* spans, size_t count) {
  size_t next = 0;
  // while nothing waits, units are sealed straight from `base`, without a copy
  while (next < count && !sender.closed && !sender.Backlogged()) {
    sealList_.clear();
    size_t bytes = 0;
    // length prefixes count too: maxWriteBytes' upper bound keeps the record's plaintext within kMaxRecordPlaintext
    while (next < count && bytes < maxWriteBytes_) {
      size_t length = static_cast<size_t>(spans[2 * next + 1]);
      sealList_.emplace_back(base + spans[2 * next], length);
      bytes += kUnitLengthBytes + length;
      ++next;
    }
    SealListed(sender);
  }
  if (sender.closed) return;
  double now = NowMs();
  for (; next < count; ++next) {
    const uint8_t* unit = base + spans[2 * next];
    size_t length = static_cast<size_t>(spans[2 * next + 1]);
    if (!sender.queue.Enqueue(unit, length, IsInteractiveUnit(unit, length), now)) sender.counters[kQueueFullDrops] += 1;
  }
  Flush(sender);
}

void FastPath::SealListed(Sender& sender) {
  size_t plaintext = 0;
  for (const auto& unit : sealList_) plaintext += kUnitLengthBytes + unit.second;
  if (sender.out.size() < plaintext + kRecordOverhead) sender.out.resize(plaintext + kRecordOverhead);
  sender.sealer.Begin(sender.out.data(), plaintext);
  double ipBytes = 0;
  for (const auto& unit : sealList_) {
    uint8_t prefix[kUnitLengthBytes];
    WriteBe32(static_cast<uint32_t>(unit.second), prefix);
    sender.sealer.Update(prefix, kUnitLengthBytes);
    sender.sealer.Update(unit.first, unit.second);
    ipBytes += static_cast<double>(unit.second - kVnetHdrBytes);
  }
  sender.outStart = 0;
  sender.outEnd = sender.sealer.Finish();
  sender.counters[kSentPackets] += static_cast<double>(sealList_.size());
  sender.counters[kSentBytes] += ipBytes;
  WriteOut(sender);
}

void FastPath::Flush(Sender& sender) {
  if (sender.closed || !WriteOut(sender)) return;
  double now = NowMs();
  while (sender.queue.length() > 0) {
    uint64_t delayDrops = 0;
    size_t taken = 0;
    size_t bytes = 0;
    while (bytes < maxWriteBytes_) {
      if (dequeued_.size() <= taken) dequeued_.emplace_back();
      if (!sender.queue.Dequeue(now, &dequeued_[taken], &delayDrops)) break;
      bytes += kUnitLengthBytes + dequeued_[taken].size();
      ++taken;
    }
    sender.counters[kQueueDelayDrops] += static_cast<double>(delayDrops);
    if (taken == 0) return;
    sealList_.clear();
    for (size_t i = 0; i < taken; ++i) sealList_.emplace_back(dequeued_[i].data(), dequeued_[i].size());
    SealListed(sender);
    if (sender.closed || sender.outStart < sender.outEnd) return;
  }
}

bool FastPath::WriteOut(Sender& sender) {
  while (sender.outStart < sender.outEnd) {
    ssize_t n = ::send(sender.fd, sender.out.data() + sender.outStart, sender.outEnd - sender.outStart, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sender.outStart += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
    CloseSender(sender, ErrnoText("writing to the fast-channel socket failed", n < 0 ? errno : EPIPE));
    return false;
  }
  sender.outStart = sender.outEnd = 0;
  return true;
}

void FastPath::CloseSender(Sender& sender, const std::string& reason) {
  if (sender.closed) return;
  sender.closed = true;
  ::close(sender.fd);
  sender.queue.Clear();
  sender.outStart = sender.outEnd = 0;
  Report(sender.id, reason, false);
}

void FastPath::Handoff(const uint8_t* packet, size_t length) {
  std::lock_guard<std::mutex> lock(handoffMutex_);
  if (handoffMeta_.size() / 2 >= maxBatch_ || handoffBytes_ + length > slabBytes_) {
    arrays_.counterData[kHandoffDrops] += 1;
    return;
  }
  std::memcpy(handoff_.get() + handoffBytes_, packet, length);
  handoffMeta_.push_back(static_cast<int32_t>(handoffBytes_));
  handoffMeta_.push_back(static_cast<int32_t>(length));
  handoffBytes_ += length;
}

}  // namespace edgevpn_tun
