// The native packet loop of the fast data channel. Two threads take the packets to and from peers
// with a fast channel off the JS main thread (whose garbage collector pauses would otherwise be
// every packet's pauses):
//
// - the send thread reads the TUN device in batches, routes each packet by its destination address
//   to a sender socket, and seals the units into records (see record_cipher.h) with an interactive
//   lane and CoDel in front of each socket (unit_queue.h). Packets it has no route for are handed
//   to JS in batches, as TunQueue delivers them;
// - the receive thread opens the records of every receiver socket, checks each unit (well-formed
//   IP, a source address the peer may use) and writes it to the TUN device.
//
// JS negotiates the sessions and keeps the routes and allowed sources in step with the ledger;
// sockets arrive as file descriptors (duplicated here) with their keys.
//
// JS: new FastPath(tunFd, options, onBatch(count, slab), onEvent(id, reason, brokeFormat))
//   .slab .meta .counters  setReading(on)  addSender(fd, key, counters) -> id
//   addReceiver(fd, key, ack, counters, received, sources[], anySource) -> id
//   setAllowedSources(id, sources[], anySource)
//   replaceRoutes(addresses[], senderIds)  send(id, buffer, spans, count) -> boolean
//   closeChannel(id)  close()
#pragma once

#include "batch_arrays.h"
#include "record_cipher.h"
#include "unit_queue.h"

#include <napi.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace edgevpn_tun {

class FastPath : public Napi::ObjectWrap<FastPath> {
 public:
  static Napi::Function Define(Napi::Env env);

  explicit FastPath(const Napi::CallbackInfo& info);
  ~FastPath() override;

 private:
  // Slots of the Float64Array `counters` (the device's traffic through this loop).
  enum Counter { kPacketsRead, kBytesRead, kReadDrops, kPacketsWritten, kBytesWritten, kWriteDrops, kHandoffDrops, kCounterCount };
  // Slots of a sender's counters.
  enum SenderCounter { kSentPackets, kSentBytes, kQueueFullDrops, kQueueDelayDrops, kSenderCounterCount };
  // Slots of a receiver's counters.
  enum ReceiverCounter { kReceivedPackets, kReceivedBytes, kMalformedDrops, kSpoofedDrops, kTunFullDrops, kReceiverCounterCount };

  using IPv6Address = std::array<uint8_t, 16>;
  struct IPv6Hash {
    size_t operator()(const IPv6Address& address) const;
  };

  struct Sender {
    Sender(int32_t id, int fd, const uint8_t* key, const UnitQueueLimits& limits) : id(id), fd(fd), sealer(key), queue(limits) {}
    int32_t id;
    int fd;
    bool closed = false;
    RecordSealer sealer;
    UnitQueue queue;
    // Sealed bytes not written yet: a record is always written whole before the next one.
    std::vector<uint8_t> out;
    size_t outStart = 0;
    size_t outEnd = 0;
    // `[offset, length]` of this batch's units in the read slab.
    std::vector<int32_t> staged;
    double* counters;
    Napi::Reference<Napi::Float64Array> countersRef;
    bool Backlogged() const { return outStart < outEnd || queue.length() > 0; }
  };

  struct Receiver {
    Receiver(int32_t id, int fd, const uint8_t* key);
    int32_t id;
    int fd;
    bool closed = false;
    RecordOpener opener;
    // Bytes of the socket not opened yet: room for two whole records.
    std::unique_ptr<uint8_t[]> buffer;
    size_t fill = 0;
    // The unit being gathered across records.
    uint8_t unitHeader[4];
    size_t headerFill = 0;
    size_t unitLength = 0;
    size_t unitFill = 0;
    std::unique_ptr<uint8_t[]> unit;
    bool anySource = false;
    std::unordered_set<uint32_t> sources4;
    std::unordered_set<IPv6Address, IPv6Hash> sources6;
    double* counters;
    Napi::Reference<Napi::Float64Array> countersRef;
  };

  struct Event {
    int32_t id;
    std::string reason;
    bool brokeFormat;
  };

  // JS API
  Napi::Value Slab(const Napi::CallbackInfo& info);
  Napi::Value Meta(const Napi::CallbackInfo& info);
  Napi::Value Counters(const Napi::CallbackInfo& info);
  Napi::Value SetReading(const Napi::CallbackInfo& info);
  Napi::Value AddSender(const Napi::CallbackInfo& info);
  Napi::Value AddReceiver(const Napi::CallbackInfo& info);
  Napi::Value SetAllowedSources(const Napi::CallbackInfo& info);
  Napi::Value ReplaceRoutes(const Napi::CallbackInfo& info);
  Napi::Value Send(const Napi::CallbackInfo& info);
  Napi::Value CloseChannel(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  // Send side (under sendMutex_).
  void SendLoop();
  void ReadTun();
  int32_t RouteOf(const uint8_t* unit, size_t length) const;
  void SendUnits(Sender& sender, const uint8_t* base, const int32_t* spans, size_t count);
  // Seals the units listed in sealList_ into one record and writes what the socket takes.
  void SealListed(Sender& sender);
  void Flush(Sender& sender);
  // Writes the pending record; true when nothing is left of it.
  bool WriteOut(Sender& sender);
  void CloseSender(Sender& sender, const std::string& reason);
  void Handoff(const uint8_t* packet, size_t length);

  // Receive side (under receiveMutex_).
  void ReceiveLoop();
  void ReadReceiver(Receiver& receiver);
  // Opens the whole records in the receiver's buffer; false when the receiver was closed.
  bool OpenRecords(Receiver& receiver);
  // Cuts a record's plaintext into units (one may span records); false when the receiver was closed.
  bool TakePlaintext(Receiver& receiver, const uint8_t* bytes, size_t length);
  void DeliverUnit(Receiver& receiver, const uint8_t* unit, size_t length);
  bool SourceAllowed(const Receiver& receiver, const uint8_t* packet, int version) const;
  void CloseReceiver(Receiver& receiver, const std::string& reason, bool brokeFormat);

  // Thread -> JS.
  void Notify();
  void OnNotify(Napi::Env env);
  void Report(int32_t id, const std::string& reason, bool brokeFormat);

  // Stops both threads and closes every descriptor; JS gets no more calls.
  void Stop();
  static void OnEnvCleanup(void* fastPath);
  void Wake(int eventFd);

  int tunFd_ = -1;
  uint32_t maxBatch_ = 64;
  uint32_t maxPacket_ = 65545;
  size_t maxWriteBytes_ = 128 * 1024;
  UnitQueueLimits queueLimits_;

  std::atomic<bool> stopping_{false};
  std::atomic<bool> reading_{false};
  bool stopped_ = false;
  napi_env env_ = nullptr;
  bool cleanupHookRan_ = false;
  int sendWake_ = -1;
  int receiveWake_ = -1;
  int epoll_ = -1;
  std::thread sendThread_;
  std::thread receiveThread_;
  int32_t nextId_ = 1;

  std::mutex sendMutex_;
  std::map<int32_t, std::unique_ptr<Sender>> senders_;
  std::unordered_map<uint32_t, int32_t> routes4_;
  std::unordered_map<IPv6Address, int32_t, IPv6Hash> routes6_;
  std::unique_ptr<uint8_t[]> readSlab_;
  std::vector<int32_t> readMeta_;
  std::vector<Sender*> touched_;
  std::vector<std::pair<const uint8_t*, size_t>> sealList_;
  std::vector<std::vector<uint8_t>> dequeued_;

  std::mutex receiveMutex_;
  std::map<int32_t, std::unique_ptr<Receiver>> receivers_;

  // Packets without a route, waiting for JS; `arrays_` is what JS reads them from.
  std::mutex handoffMutex_;
  std::unique_ptr<uint8_t[]> handoff_;
  size_t handoffBytes_ = 0;
  std::vector<int32_t> handoffMeta_;
  std::vector<Event> events_;
  std::atomic<bool> notifyPending_{false};
  Napi::ThreadSafeFunction notify_;

  BatchArrays arrays_;
  size_t slabBytes_ = 0;
  Napi::FunctionReference onBatch_;
  Napi::FunctionReference onEvent_;
};

}  // namespace edgevpn_tun
