// A JS handle on one UnitQueue, driven with explicit times. The send thread's queues are reachable
// only through sockets and the clock; this lets a spec run the same script through the C++ queue
// and its JS twin (send-queue.ts of @edgevpn/vpn) and compare every decision.
#pragma once

#include <napi.h>

#include <cstdint>

#include "unit_queue.h"

namespace edgevpn_tun {

class UnitQueueProbe : public Napi::ObjectWrap<UnitQueueProbe> {
 public:
  static Napi::Function Define(Napi::Env env);

  // new UnitQueueProbe({ targetMs?, intervalMs?, maxBulkBytes?, maxInteractiveBytes? })
  explicit UnitQueueProbe(const Napi::CallbackInfo& info);

 private:
  // enqueue(unit: Uint8Array, interactive: boolean, nowMs: number): boolean
  Napi::Value Enqueue(const Napi::CallbackInfo& info);
  // dequeue(nowMs: number): Buffer | undefined
  Napi::Value Dequeue(const Napi::CallbackInfo& info);
  // clear(): number
  Napi::Value Clear(const Napi::CallbackInfo& info);
  Napi::Value Length(const Napi::CallbackInfo& info);
  Napi::Value DelayDrops(const Napi::CallbackInfo& info);

  UnitQueue queue_{UnitQueueLimits{}};
  uint64_t delayDrops_ = 0;
};

}  // namespace edgevpn_tun
