// The N-API side of the fast path: construction from JS options, the JS methods that add and
// remove channels and routes, stopping, and the hand-off of unrouted packets and events to JS.
#include "fast_path.h"
#include "fast_path_internal.h"

#include "errno_error.h"
#include "js_args.h"
#include "tun_read.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace edgevpn_tun {

using namespace fast_path;

namespace {

bool ToFloat64View(Napi::Env env, Napi::Value value, size_t minLength, const char* what, double** data) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
      value.As<Napi::Float64Array>().ElementLength() < minLength) {
    Napi::TypeError::New(env, std::string(what) + " must be a Float64Array of at least " + std::to_string(minLength) + " elements")
        .ThrowAsJavaScriptException();
    return false;
  }
  *data = value.As<Napi::Float64Array>().Data();
  return true;
}

// A duplicate of a socket descriptor, non-blocking, that stays open when JS closes its own.
int DuplicateSocket(Napi::Env env, Napi::Value value) {
  if (!value.IsNumber() || value.As<Napi::Number>().Int32Value() < 0) {
    Napi::TypeError::New(env, "fd must be a file descriptor number").ThrowAsJavaScriptException();
    return -1;
  }
  int fd = ::fcntl(value.As<Napi::Number>().Int32Value(), F_DUPFD_CLOEXEC, 0);
  if (fd < 0 || ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
    int err = errno;
    if (fd >= 0) ::close(fd);
    ThrowErrno(env, "fcntl", err);
    return -1;
  }
  return fd;
}

bool ReadKey(Napi::Env env, Napi::Value value, ByteView* key) {
  if (!ToByteView(env, value, "key", key)) return false;
  if (key->length != kRecordKeyBytes) {
    Napi::RangeError::New(env, "key must be 32 bytes").ThrowAsJavaScriptException();
    return false;
  }
  return true;
}

// Reads an array of 4- or 16-byte addresses, calling add4/add6 for each.
template <typename Add4, typename Add6>
bool ReadAddresses(Napi::Env env, Napi::Value value, Add4 add4, Add6 add6) {
  if (!value.IsArray()) {
    Napi::TypeError::New(env, "addresses must be an array of Uint8Array").ThrowAsJavaScriptException();
    return false;
  }
  Napi::Array addresses = value.As<Napi::Array>();
  for (uint32_t i = 0; i < addresses.Length(); ++i) {
    ByteView address;
    if (!ToByteView(env, addresses.Get(i), "address", &address)) return false;
    if (address.length == 4) {
      add4(i, ReadBe32(address.data));
    } else if (address.length == 16) {
      std::array<uint8_t, 16> bytes;
      std::memcpy(bytes.data(), address.data, 16);
      add6(i, bytes);
    } else {
      Napi::RangeError::New(env, "an address must be 4 (IPv4) or 16 (IPv6) bytes").ThrowAsJavaScriptException();
      return false;
    }
  }
  return true;
}

}  // namespace

size_t FastPath::IPv6Hash::operator()(const IPv6Address& address) const {
  uint64_t high, low;
  std::memcpy(&high, address.data(), 8);
  std::memcpy(&low, address.data() + 8, 8);
  return std::hash<uint64_t>()(high ^ (low * 0x9e3779b97f4a7c15ULL));
}

Napi::Function FastPath::Define(Napi::Env env) {
  return DefineClass(env, "FastPath",
                     {
                         InstanceAccessor<&FastPath::Slab>("slab"),
                         InstanceAccessor<&FastPath::Meta>("meta"),
                         InstanceAccessor<&FastPath::Counters>("counters"),
                         InstanceMethod<&FastPath::SetReading>("setReading"),
                         InstanceMethod<&FastPath::AddSender>("addSender"),
                         InstanceMethod<&FastPath::AddReceiver>("addReceiver"),
                         InstanceMethod<&FastPath::SetAllowedSources>("setAllowedSources"),
                         InstanceMethod<&FastPath::ReplaceRoutes>("replaceRoutes"),
                         InstanceMethod<&FastPath::Send>("send"),
                         InstanceMethod<&FastPath::CloseChannel>("closeChannel"),
                         InstanceMethod<&FastPath::Close>("close"),
                     });
}

FastPath::FastPath(const Napi::CallbackInfo& info) : Napi::ObjectWrap<FastPath>(info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber() || !info[1].IsObject() || !info[2].IsFunction() || !info[3].IsFunction()) {
    Napi::TypeError::New(env, "new FastPath(tunFd: number, options: object, onBatch: function, onEvent: function)")
        .ThrowAsJavaScriptException();
    return;
  }
  Napi::Object options = info[1].As<Napi::Object>();
  int64_t maxBatch = maxBatch_, maxPacket = maxPacket_, maxWriteBytes = static_cast<int64_t>(maxWriteBytes_);
  int64_t maxBulkBytes = static_cast<int64_t>(queueLimits_.maxBulkBytes);
  int64_t maxInteractiveBytes = static_cast<int64_t>(queueLimits_.maxInteractiveBytes);
  if (!ReadIntegerOption(options, "maxBatch", 1, kMaxBatchLimit, &maxBatch) ||
      !ReadIntegerOption(options, "maxPacket", 1, kMaxPacketLimit, &maxPacket) ||
      !ReadIntegerOption(options, "maxWriteBytes", kMaxUnitBytes, kMaxRecordPlaintext - kMaxUnitBytes - kUnitLengthBytes, &maxWriteBytes) ||
      !ReadIntegerOption(options, "maxBulkBytes", 0, int64_t{1} << 30, &maxBulkBytes) ||
      !ReadIntegerOption(options, "maxInteractiveBytes", 0, int64_t{1} << 30, &maxInteractiveBytes)) {
    return;
  }
  maxBatch_ = static_cast<uint32_t>(maxBatch);
  maxPacket_ = static_cast<uint32_t>(maxPacket);
  maxWriteBytes_ = static_cast<size_t>(maxWriteBytes);
  queueLimits_.maxBulkBytes = static_cast<size_t>(maxBulkBytes);
  queueLimits_.maxInteractiveBytes = static_cast<size_t>(maxInteractiveBytes);

  tunFd_ = DuplicateSocket(env, info[0]);
  if (tunFd_ < 0) return;
  sendWake_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  receiveWake_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event wake{};
  wake.events = EPOLLIN;
  wake.data.u64 = 0;
  if (sendWake_ < 0 || receiveWake_ < 0 || epoll_ < 0 || ::epoll_ctl(epoll_, EPOLL_CTL_ADD, receiveWake_, &wake) < 0) {
    int err = errno;
    stopped_ = true;
    for (int fd : {tunFd_, sendWake_, receiveWake_, epoll_}) {
      if (fd >= 0) ::close(fd);
    }
    ThrowErrno(env, "eventfd/epoll", err);
    return;
  }

  // The read slab and the hand-off have room for maxBatch packets of maxPacket bytes (plus the spare
  // byte that exposes oversized packets); untouched pages cost no memory.
  slabBytes_ = size_t{maxBatch_} * maxPacket_ + 1;
  readSlab_.reset(new uint8_t[slabBytes_]);
  readMeta_.resize(size_t{maxBatch_} * 2);
  handoff_.reset(new uint8_t[slabBytes_]);
  arrays_.Create(env, slabBytes_, maxBatch_, kCounterCount);
  onBatch_ = Napi::Persistent(info[2].As<Napi::Function>());
  onEvent_ = Napi::Persistent(info[3].As<Napi::Function>());

  // The wrapper stays alive until the thread-safe function is finalized: queued calls use it.
  Ref();
  notify_ = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}), "edgevpn-fast-path", 0, 1,
                                          [this](Napi::Env) { Unref(); });
  notify_.Unref(env);
  // Registered after the thread-safe function, so it runs first at env teardown (hooks run in reverse).
  env_ = env;
  napi_add_env_cleanup_hook(env, OnEnvCleanup, this);

  sendThread_ = std::thread([this]() { SendLoop(); });
  receiveThread_ = std::thread([this]() { ReceiveLoop(); });
}

FastPath::~FastPath() { Stop(); }

void FastPath::OnEnvCleanup(void* fastPath) {
  auto* self = static_cast<FastPath*>(fastPath);
  self->cleanupHookRan_ = true;
  self->Stop();
}

Napi::Value FastPath::Slab(const Napi::CallbackInfo& info) { return arrays_.slab.Value(); }

Napi::Value FastPath::Meta(const Napi::CallbackInfo& info) { return arrays_.meta.Value(); }

Napi::Value FastPath::Counters(const Napi::CallbackInfo& info) { return arrays_.counters.Value(); }

Napi::Value FastPath::SetReading(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool on = info[0].ToBoolean();
  if (stopped_ || reading_.exchange(on) == on) return env.Undefined();
  // While reading, the loop keeps the process alive, as a reading TunQueue does.
  if (on) {
    notify_.Ref(env);
  } else {
    notify_.Unref(env);
  }
  Wake(sendWake_);
  return env.Undefined();
}

Napi::Value FastPath::AddSender(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ByteView key;
  double* counters = nullptr;
  if (stopped_) {
    ThrowErrno(env, "addSender", EBADF);
    return env.Undefined();
  }
  if (!ReadKey(env, info[1], &key) || !ToFloat64View(env, info[2], kSenderCounterCount, "counters", &counters)) return env.Undefined();
  int fd = DuplicateSocket(env, info[0]);
  if (fd < 0) return env.Undefined();
  int32_t id = nextId_++;
  auto sender = std::make_unique<Sender>(id, fd, key.data, queueLimits_);
  sender->counters = counters;
  sender->countersRef = Napi::Persistent(info[2].As<Napi::Float64Array>());
  {
    std::lock_guard<std::mutex> lock(sendMutex_);
    senders_[id] = std::move(sender);
  }
  Wake(sendWake_);
  return Napi::Number::New(env, id);
}

Napi::Value FastPath::AddReceiver(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ByteView key, ack, received;
  double* counters = nullptr;
  if (stopped_) {
    ThrowErrno(env, "addReceiver", EBADF);
    return env.Undefined();
  }
  if (!ReadKey(env, info[1], &key) || !ToByteView(env, info[2], "ack", &ack) ||
      !ToFloat64View(env, info[3], kReceiverCounterCount, "counters", &counters) || !ToByteView(env, info[4], "received", &received)) {
    return env.Undefined();
  }
  if (received.length > kReceiveBufferBytes) {
    Napi::RangeError::New(env, "received must be at most " + std::to_string(kReceiveBufferBytes) + " bytes").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int fd = DuplicateSocket(env, info[0]);
  if (fd < 0) return env.Undefined();
  int32_t id = nextId_++;
  auto receiver = std::make_unique<Receiver>(id, fd, key.data);
  receiver->counters = counters;
  receiver->countersRef = Napi::Persistent(info[3].As<Napi::Float64Array>());
  receiver->anySource = info[6].ToBoolean();
  bool valid = ReadAddresses(
      env, info[5], [&](uint32_t, uint32_t address) { receiver->sources4.insert(address); },
      [&](uint32_t, const IPv6Address& address) { receiver->sources6.insert(address); });
  // The dialer sends nothing before this ack, so nothing of it can be lost to JS's own reads.
  ssize_t written = valid ? ::send(fd, ack.data, ack.length, MSG_NOSIGNAL | MSG_DONTWAIT) : 0;
  if (!valid || written != static_cast<ssize_t>(ack.length)) {
    int err = written < 0 ? errno : EAGAIN;
    ::close(fd);
    if (valid) ThrowErrno(env, "send(ack)", err);
    return env.Undefined();
  }
  std::memcpy(receiver->buffer.get(), received.data, received.length);
  receiver->fill = received.length;
  std::lock_guard<std::mutex> lock(receiveMutex_);
  Receiver& added = *receiver;
  receivers_[id] = std::move(receiver);
  if (OpenRecords(added) && !added.closed) {
    epoll_event event{};
    event.events = EPOLLIN | EPOLLRDHUP;
    event.data.u64 = static_cast<uint64_t>(id);
    if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event) < 0) CloseReceiver(added, ErrnoText("epoll_ctl", errno), false);
  }
  return Napi::Number::New(env, id);
}

Napi::Value FastPath::SetAllowedSources(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::unordered_set<uint32_t> sources4;
  std::unordered_set<IPv6Address, IPv6Hash> sources6;
  if (!info[0].IsNumber()) {
    Napi::TypeError::New(env, "id must be a number").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (!ReadAddresses(
          env, info[1], [&](uint32_t, uint32_t address) { sources4.insert(address); },
          [&](uint32_t, const IPv6Address& address) { sources6.insert(address); })) {
    return env.Undefined();
  }
  std::lock_guard<std::mutex> lock(receiveMutex_);
  auto found = receivers_.find(info[0].As<Napi::Number>().Int32Value());
  if (found != receivers_.end()) {
    found->second->sources4.swap(sources4);
    found->second->sources6.swap(sources6);
    found->second->anySource = info[2].ToBoolean();
  }
  return env.Undefined();
}

Napi::Value FastPath::ReplaceRoutes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int32_t* senders = nullptr;
  size_t senderCount = 0;
  if (!info[0].IsArray() || !ToInt32View(env, info[1], "senders", &senders, &senderCount)) {
    if (!env.IsExceptionPending()) Napi::TypeError::New(env, "addresses must be an array").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (info[0].As<Napi::Array>().Length() != senderCount) {
    Napi::RangeError::New(env, "addresses and senders must have the same length").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::unordered_map<uint32_t, int32_t> routes4;
  std::unordered_map<IPv6Address, int32_t, IPv6Hash> routes6;
  if (!ReadAddresses(
          env, info[0], [&](uint32_t i, uint32_t address) { routes4[address] = senders[i]; },
          [&](uint32_t i, const IPv6Address& address) { routes6[address] = senders[i]; })) {
    return env.Undefined();
  }
  std::lock_guard<std::mutex> lock(sendMutex_);
  routes4_.swap(routes4);
  routes6_.swap(routes6);
  return env.Undefined();
}

Napi::Value FastPath::Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ByteView buffer;
  int32_t* spans = nullptr;
  size_t spanLength = 0;
  if (!info[0].IsNumber() || !ToByteView(env, info[1], "buffer", &buffer) || !ToInt32View(env, info[2], "spans", &spans, &spanLength)) {
    if (!env.IsExceptionPending()) Napi::TypeError::New(env, "id must be a number").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  double countArg = info[3].IsNumber() ? info[3].As<Napi::Number>().DoubleValue() : -1.0;
  if (countArg < 0 || countArg != static_cast<size_t>(countArg) || countArg * 2 > static_cast<double>(spanLength)) {
    Napi::RangeError::New(env, "count must be an integer from 0 to spans.length / 2").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  size_t count = static_cast<size_t>(countArg);
  for (size_t i = 0; i < count; ++i) {
    int32_t offset = spans[2 * i], length = spans[2 * i + 1];
    if (offset < 0 || length < 1 || static_cast<size_t>(length) > kMaxUnitBytes ||
        static_cast<size_t>(offset) + static_cast<size_t>(length) > buffer.length) {
      Napi::RangeError::New(env, "unit " + std::to_string(i) + " lies outside the buffer or is not 1 to " + std::to_string(kMaxUnitBytes) + " bytes")
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
  }
  bool backlogged;
  {
    std::lock_guard<std::mutex> lock(sendMutex_);
    auto found = senders_.find(info[0].As<Napi::Number>().Int32Value());
    if (found == senders_.end() || found->second->closed) return Napi::Boolean::New(env, false);
    SendUnits(*found->second, buffer.data, spans, count);
    backlogged = found->second->Backlogged();
  }
  // the send thread then also waits for the socket to take more
  if (backlogged) Wake(sendWake_);
  return Napi::Boolean::New(env, true);
}

Napi::Value FastPath::CloseChannel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int32_t id = info[0].ToNumber().Int32Value();
  {
    std::lock_guard<std::mutex> lock(sendMutex_);
    auto found = senders_.find(id);
    if (found != senders_.end()) {
      if (!found->second->closed) ::close(found->second->fd);
      senders_.erase(found);
      Wake(sendWake_);
      return env.Undefined();
    }
  }
  std::lock_guard<std::mutex> lock(receiveMutex_);
  auto found = receivers_.find(id);
  if (found != receivers_.end()) {
    if (!found->second->closed) {
      ::epoll_ctl(epoll_, EPOLL_CTL_DEL, found->second->fd, nullptr);
      ::close(found->second->fd);
    }
    receivers_.erase(found);
  }
  return env.Undefined();
}

Napi::Value FastPath::Close(const Napi::CallbackInfo& info) {
  Stop();
  return info.Env().Undefined();
}

void FastPath::Stop() {
  if (stopped_) return;
  stopped_ = true;
  stopping_ = true;
  if (!cleanupHookRan_) napi_remove_env_cleanup_hook(env_, OnEnvCleanup, this);
  Wake(sendWake_);
  Wake(receiveWake_);
  if (sendThread_.joinable()) sendThread_.join();
  if (receiveThread_.joinable()) receiveThread_.join();
  for (auto& entry : senders_) {
    if (!entry.second->closed) ::close(entry.second->fd);
  }
  for (auto& entry : receivers_) {
    if (!entry.second->closed) ::close(entry.second->fd);
  }
  senders_.clear();
  receivers_.clear();
  for (int fd : {tunFd_, sendWake_, receiveWake_, epoll_}) ::close(fd);
  notify_.Release();
}

void FastPath::Wake(int eventFd) {
  uint64_t one = 1;
  ssize_t ignored = ::write(eventFd, &one, sizeof(one));
  (void)ignored;
}

// ---- thread -> JS ----

void FastPath::Report(int32_t id, const std::string& reason, bool brokeFormat) {
  {
    std::lock_guard<std::mutex> lock(handoffMutex_);
    events_.push_back({id, reason, brokeFormat});
  }
  Notify();
}

void FastPath::Notify() {
  if (notifyPending_.exchange(true)) return;
  notify_.NonBlockingCall([this](Napi::Env env, Napi::Function) { OnNotify(env); });
}

void FastPath::OnNotify(Napi::Env env) {
  notifyPending_ = false;
  if (stopped_) return;
  Napi::HandleScope scope(env);
  size_t count;
  std::vector<Event> events;
  {
    std::lock_guard<std::mutex> lock(handoffMutex_);
    count = handoffMeta_.size() / 2;
    std::memcpy(arrays_.slabData, handoff_.get(), handoffBytes_);
    std::memcpy(arrays_.metaData, handoffMeta_.data(), handoffMeta_.size() * sizeof(int32_t));
    handoffMeta_.clear();
    handoffBytes_ = 0;
    events.swap(events_);
  }
  if (count > 0) {
    onBatch_.Call({Napi::Number::New(env, static_cast<double>(count)), arrays_.slab.Value()});
    RaisePendingException(env);
  }
  for (const Event& event : events) {
    if (stopped_) return;
    onEvent_.Call({Napi::Number::New(env, event.id), Napi::String::New(env, event.reason), Napi::Boolean::New(env, event.brokeFormat)});
    RaisePendingException(env);
  }
}

}  // namespace edgevpn_tun
