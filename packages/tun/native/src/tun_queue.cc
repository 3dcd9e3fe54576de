#include "tun_queue.h"

#include "js_args.h"
#include "errno_error.h"
#include "tun_read.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace edgevpn_tun {

namespace {

constexpr size_t kMaxSlabBytes = size_t{1} << 28;

}  // namespace

Napi::Function TunQueue::Define(Napi::Env env) {
  return DefineClass(env, "TunQueue",
                     {
                         InstanceAccessor<&TunQueue::Name>("name"),
                         InstanceAccessor<&TunQueue::Fd>("fd"),
                         InstanceAccessor<&TunQueue::Slab>("slab"),
                         InstanceAccessor<&TunQueue::Meta>("meta"),
                         InstanceAccessor<&TunQueue::Counters>("counters"),
                         InstanceMethod<&TunQueue::Resume>("resume"),
                         InstanceMethod<&TunQueue::Pause>("pause"),
                         InstanceMethod<&TunQueue::Close>("close"),
                         InstanceMethod<&TunQueue::Write>("write"),
                         InstanceMethod<&TunQueue::WriteBatch>("writeBatch"),
                     });
}

TunQueue::TunQueue(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TunQueue>(info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString() || !info[1].IsObject() || !info[2].IsFunction() || !info[3].IsFunction()) {
    Napi::TypeError::New(env, "new TunQueue(name: string, options: object, onBatch: function, onError: function)")
        .ThrowAsJavaScriptException();
    return;
  }
  std::string requestedName = info[0].As<Napi::String>().Utf8Value();
  if (requestedName.size() >= IFNAMSIZ) {
    Napi::RangeError::New(env, "interface name must be at most 15 bytes").ThrowAsJavaScriptException();
    return;
  }
  Napi::Object options = info[1].As<Napi::Object>();
  if (!ReadOptions(env, options)) return;
  if (!Open(env, requestedName, options.Get("multiQueue").ToBoolean(), options.Get("vnetHdr").ToBoolean())) return;

  // Room for maxBatch packets of maxPacket bytes plus the spare byte that exposes oversized packets.
  arrays_.Create(env, size_t{maxBatch_} * maxPacket_ + 1, maxBatch_, kCounterCount);

  onBatch_ = Napi::Persistent(info[2].As<Napi::Function>());
  onError_ = Napi::Persistent(info[3].As<Napi::Function>());
  asyncContext_ = std::make_unique<Napi::AsyncContext>(env, "TunQueue");

  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  poll_ = new PollHandle{};
  int status = uv_poll_init(loop, &poll_->uv, fd_);
  if (status < 0) {
    delete poll_;
    poll_ = nullptr;
    Release();
    ThrowErrno(env, "uv_poll_init", -status);
    return;
  }
  poll_->uv.data = poll_;
  poll_->owner = this;
  // worker_threads teardown does not wait for JS to call close(): this hook releases the fd and the handle.
  napi_add_async_cleanup_hook(env, OnEnvTeardown, poll_, &poll_->teardownHook);
}

TunQueue::~TunQueue() {
  // A polling queue holds a strong reference, so getting here while polling means the env is going away:
  // stop the handle without touching the reference that is being finalized.
  if (polling_) {
    uv_poll_stop(&poll_->uv);
    polling_ = false;
  }
  Release();
}

bool TunQueue::ReadOptions(Napi::Env env, Napi::Object options) {
  int64_t maxBatch = maxBatch_;
  int64_t maxPacket = maxPacket_;
  if (!ReadIntegerOption(options, "maxBatch", 1, kMaxBatchLimit, &maxBatch) ||
      !ReadIntegerOption(options, "maxPacket", 1, kMaxPacketLimit, &maxPacket)) {
    return false;
  }
  maxBatch_ = static_cast<uint32_t>(maxBatch);
  maxPacket_ = static_cast<uint32_t>(maxPacket);
  if (size_t{maxBatch_} * maxPacket_ > kMaxSlabBytes) {
    Napi::RangeError::New(env, "maxBatch * maxPacket must be at most 256 MiB").ThrowAsJavaScriptException();
    return false;
  }
  copy_ = options.Get("copy").ToBoolean();
  return true;
}

bool TunQueue::Open(Napi::Env env, const std::string& requestedName, bool multiQueue, bool vnetHdr) {
  int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    ThrowErrno(env, "open(/dev/net/tun)", errno);
    return false;
  }
  ifreq request{};
  request.ifr_flags = IFF_TUN | IFF_NO_PI;
  if (multiQueue) request.ifr_flags |= IFF_MULTI_QUEUE;
  if (vnetHdr) request.ifr_flags |= IFF_VNET_HDR;
  std::strncpy(request.ifr_name, requestedName.c_str(), IFNAMSIZ - 1);
  const char* failedCall = nullptr;
  if (::ioctl(fd, TUNSETIFF, &request) < 0) {
    failedCall = "ioctl(TUNSETIFF)";
  } else if (vnetHdr && ::ioctl(fd, TUNSETOFFLOAD, static_cast<unsigned long>(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6)) < 0) {
    failedCall = "ioctl(TUNSETOFFLOAD)";
  }
  if (failedCall != nullptr) {
    int err = errno;
    ::close(fd);
    ThrowErrno(env, failedCall, err);
    return false;
  }
  fd_ = fd;
  // The kernel fills in the real name (it differs when the request held a pattern like "tun%d").
  name_ = request.ifr_name;
  return true;
}

Napi::Value TunQueue::Name(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), name_); }

Napi::Value TunQueue::Fd(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), fd_); }

Napi::Value TunQueue::Slab(const Napi::CallbackInfo& info) { return arrays_.slab.Value(); }

Napi::Value TunQueue::Meta(const Napi::CallbackInfo& info) { return arrays_.meta.Value(); }

Napi::Value TunQueue::Counters(const Napi::CallbackInfo& info) { return arrays_.counters.Value(); }

Napi::Value TunQueue::Resume(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (fd_ < 0) {
    ThrowErrno(env, "resume", EBADF);
    return env.Undefined();
  }
  if (!polling_) {
    int status = uv_poll_start(&poll_->uv, UV_READABLE, OnPoll);
    if (status < 0) {
      ThrowErrno(env, "uv_poll_start", -status);
      return env.Undefined();
    }
    polling_ = true;
    // Keeps the wrapper (and its callbacks) alive while the loop can call into it.
    Ref();
  }
  return env.Undefined();
}

Napi::Value TunQueue::Pause(const Napi::CallbackInfo& info) {
  StopPolling();
  return info.Env().Undefined();
}

Napi::Value TunQueue::Close(const Napi::CallbackInfo& info) {
  Release();
  return info.Env().Undefined();
}

Napi::Value TunQueue::Write(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ByteView packet;
  if (!ToByteView(env, info[0], "packet", &packet)) return env.Undefined();
  if (fd_ < 0) {
    ThrowErrno(env, "write", EBADF);
    return env.Undefined();
  }
  int result = WritePacket(packet.data, packet.length);
  if (result < 0) {
    ThrowErrno(env, "write", -result);
    return env.Undefined();
  }
  return Napi::Boolean::New(env, result == 1);
}

Napi::Value TunQueue::WriteBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ByteView buffer;
  int32_t* meta = nullptr;
  size_t metaLength = 0;
  if (!ToByteView(env, info[0], "buffer", &buffer) || !ToInt32View(env, info[1], "meta", &meta, &metaLength)) {
    return env.Undefined();
  }
  double countArg = info[2].IsNumber() ? info[2].As<Napi::Number>().DoubleValue() : -1.0;
  if (countArg < 0 || countArg != static_cast<size_t>(countArg) || countArg * 2 > static_cast<double>(metaLength)) {
    Napi::RangeError::New(env, "count must be an integer from 0 to meta.length / 2").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  size_t count = static_cast<size_t>(countArg);
  // Check every slice before writing any, so a bad entry never leaves half a batch sent.
  for (size_t i = 0; i < count; ++i) {
    int32_t offset = meta[2 * i];
    int32_t length = meta[2 * i + 1];
    if (offset < 0 || length < 0 || static_cast<size_t>(offset) + static_cast<size_t>(length) > buffer.length) {
      Napi::RangeError::New(env, "packet " + std::to_string(i) + " lies outside the buffer").ThrowAsJavaScriptException();
      return env.Undefined();
    }
  }
  if (fd_ < 0) {
    ThrowErrno(env, "write", EBADF);
    return env.Undefined();
  }
  uint32_t written = 0;
  for (size_t i = 0; i < count; ++i) {
    int result = WritePacket(buffer.data + meta[2 * i], static_cast<size_t>(meta[2 * i + 1]));
    if (result < 0) {
      ThrowErrno(env, "write", -result);
      return env.Undefined();
    }
    written += static_cast<uint32_t>(result);
  }
  return Napi::Number::New(env, written);
}

int TunQueue::WritePacket(const uint8_t* data, size_t length) {
  for (;;) {
    ssize_t n = ::write(fd_, data, length);
    if (n >= 0) {
      arrays_.counterData[kPacketsWritten] += 1;
      arrays_.counterData[kBytesWritten] += static_cast<double>(n);
      return 1;
    }
    if (errno == EINTR) continue;
    // A full queue in the stack is congestion, not a failure of the device: drop like a router would.
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
      arrays_.counterData[kWriteDrops] += 1;
      return 0;
    }
    return -errno;
  }
}

void TunQueue::OnPoll(uv_poll_t* handle, int status, int events) {
  static_cast<PollHandle*>(handle->data)->owner->Drain(status);
}

void TunQueue::Drain(int status) {
  if (!polling_) return;
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  if (status < 0) {
    Fail("uv_poll", -status);
    return;
  }
  for (int round = 0; round < kRoundsPerWakeup; ++round) {
    TunReadBatch batch = ReadTunBatch(fd_, arrays_.slabData, arrays_.metaData, maxBatch_, maxPacket_);
    arrays_.counterData[kReadDrops] += batch.oversized;
    if (batch.count > 0) {
      arrays_.counterData[kPacketsRead] += batch.count;
      arrays_.counterData[kBytesRead] += static_cast<double>(batch.bytes);
      if (!Deliver(batch.count, batch.bytes)) return;
    }
    if (batch.error != 0) {
      Fail("read", batch.error);
      return;
    }
    if (batch.drained) return;
  }
}

bool TunQueue::Deliver(uint32_t count, size_t used) {
  Napi::Env env = Env();
  Napi::Value buffer = copy_ ? Napi::Buffer<uint8_t>::Copy(env, arrays_.slabData, used) : arrays_.slab.Value();
  onBatch_.MakeCallback(Value(), {Napi::Number::New(env, count), buffer}, *asyncContext_);
  RaisePendingException(env);
  // The handler may have paused or closed the queue.
  return polling_;
}

void TunQueue::Fail(const char* syscall, int err) {
  Napi::Env env = Env();
  // Stop first: a level-triggered poll would otherwise report the same broken fd forever.
  StopPolling();
  onError_.MakeCallback(Value(), {ErrnoError(env, syscall, err).Value()}, *asyncContext_);
  RaisePendingException(env);
}

void TunQueue::StopPolling() {
  if (!polling_) return;
  uv_poll_stop(&poll_->uv);
  polling_ = false;
  Unref();
}

void TunQueue::Release() {
  StopPolling();
  if (poll_ != nullptr) {
    // Unregisters the fd from epoll right away, so closing the fd below is safe.
    poll_->owner = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(&poll_->uv), OnPollClosed);
    poll_ = nullptr;
  }
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

void TunQueue::OnPollClosed(uv_handle_t* handle) {
  auto* poll = static_cast<PollHandle*>(handle->data);
  // Tells a waiting env teardown that this handle is done (and unregisters the hook otherwise).
  napi_remove_async_cleanup_hook(poll->teardownHook);
  delete poll;
}

void TunQueue::OnEnvTeardown(napi_async_cleanup_hook_handle hook, void* pollHandle) {
  auto* poll = static_cast<PollHandle*>(pollHandle);
  // Without an owner the handle is already closing, and OnPollClosed completes the teardown.
  if (poll->owner != nullptr) poll->owner->Release();
}

}  // namespace edgevpn_tun
