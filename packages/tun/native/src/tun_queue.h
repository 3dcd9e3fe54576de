// One queue (file descriptor) of a TUN device: batched reads from a uv_poll_t, synchronous writes.
#pragma once

#include "batch_arrays.h"

#include <napi.h>
#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace edgevpn_tun {

// JS: new TunQueue(name, { multiQueue, vnetHdr, maxBatch, maxPacket, copy }, onBatch(count, buffer), onError(err))
//   .name .fd .slab .meta .counters  resume() pause() close()  write(bytes) writeBatch(buffer, meta, count)
class TunQueue : public Napi::ObjectWrap<TunQueue> {
 public:
  static Napi::Function Define(Napi::Env env);

  explicit TunQueue(const Napi::CallbackInfo& info);
  ~TunQueue() override;

 private:
  // Slots of the Float64Array `counters`, shared with JS so the hot path never allocates.
  enum Counter { kPacketsRead, kBytesRead, kPacketsWritten, kBytesWritten, kReadDrops, kWriteDrops, kCounterCount };

  bool Open(Napi::Env env, const std::string& requestedName, bool multiQueue, bool vnetHdr);
  bool ReadOptions(Napi::Env env, Napi::Object options);

  Napi::Value Name(const Napi::CallbackInfo& info);
  Napi::Value Fd(const Napi::CallbackInfo& info);
  Napi::Value Slab(const Napi::CallbackInfo& info);
  Napi::Value Meta(const Napi::CallbackInfo& info);
  Napi::Value Counters(const Napi::CallbackInfo& info);
  Napi::Value Resume(const Napi::CallbackInfo& info);
  Napi::Value Pause(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Write(const Napi::CallbackInfo& info);
  Napi::Value WriteBatch(const Napi::CallbackInfo& info);

  // The libuv handle lives apart from the queue: libuv owns it until its close callback, which may come
  // after the queue is finalized, and env teardown (which unloads this addon in a worker) must wait for it.
  struct PollHandle {
    uv_poll_t uv;
    TunQueue* owner;
    napi_async_cleanup_hook_handle teardownHook;
  };

  static void OnPoll(uv_poll_t* handle, int status, int events);
  static void OnPollClosed(uv_handle_t* handle);
  static void OnEnvTeardown(napi_async_cleanup_hook_handle hook, void* pollHandle);
  void Drain(int status);
  bool Deliver(uint32_t count, size_t used);
  void Fail(const char* syscall, int err);
  // Writes one packet: 1 written, 0 dropped (queue full), -errno on other failures.
  int WritePacket(const uint8_t* data, size_t length);
  void StopPolling();
  void Release();

  int fd_ = -1;
  std::string name_;
  PollHandle* poll_ = nullptr;
  bool polling_ = false;

  uint32_t maxBatch_ = 64;
  uint32_t maxPacket_ = 1564;
  bool copy_ = false;

  BatchArrays arrays_;

  Napi::FunctionReference onBatch_;
  Napi::FunctionReference onError_;
  std::unique_ptr<Napi::AsyncContext> asyncContext_;
};

}  // namespace edgevpn_tun
