#include "unit_queue_probe.h"

#include <string>
#include <vector>

#include "js_args.h"

namespace edgevpn_tun {

namespace {

// Reads the optional finite number `options[key]` >= 0; leaves `out` unchanged when it is undefined.
bool ReadDurationOption(Napi::Object options, const char* key, double* out) {
  Napi::Value value = options.Get(key);
  if (value.IsUndefined()) return true;
  double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1;
  if (!(number >= 0 && number < 1e12)) {
    Napi::RangeError::New(options.Env(), std::string(key) + " must be a number of milliseconds >= 0").ThrowAsJavaScriptException();
    return false;
  }
  *out = number;
  return true;
}

bool ReadTime(const Napi::CallbackInfo& info, size_t index, double* nowMs) {
  if (!info[index].IsNumber()) {
    Napi::TypeError::New(info.Env(), "nowMs must be a number").ThrowAsJavaScriptException();
    return false;
  }
  *nowMs = info[index].As<Napi::Number>().DoubleValue();
  return true;
}

}  // namespace

Napi::Function UnitQueueProbe::Define(Napi::Env env) {
  return DefineClass(env, "UnitQueueProbe",
                     {
                         InstanceMethod<&UnitQueueProbe::Enqueue>("enqueue"),
                         InstanceMethod<&UnitQueueProbe::Dequeue>("dequeue"),
                         InstanceMethod<&UnitQueueProbe::Clear>("clear"),
                         InstanceAccessor<&UnitQueueProbe::Length>("length"),
                         InstanceAccessor<&UnitQueueProbe::DelayDrops>("delayDrops"),
                     });
}

UnitQueueProbe::UnitQueueProbe(const Napi::CallbackInfo& info) : Napi::ObjectWrap<UnitQueueProbe>(info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) {
    Napi::TypeError::New(env, "new UnitQueueProbe(options: object)").ThrowAsJavaScriptException();
    return;
  }
  Napi::Object options = info[0].As<Napi::Object>();
  UnitQueueLimits limits;
  int64_t maxBulkBytes = static_cast<int64_t>(limits.maxBulkBytes);
  int64_t maxInteractiveBytes = static_cast<int64_t>(limits.maxInteractiveBytes);
  if (!ReadDurationOption(options, "targetMs", &limits.targetMs) ||
      !ReadDurationOption(options, "intervalMs", &limits.intervalMs) ||
      !ReadIntegerOption(options, "maxBulkBytes", 0, int64_t{1} << 30, &maxBulkBytes) ||
      !ReadIntegerOption(options, "maxInteractiveBytes", 0, int64_t{1} << 30, &maxInteractiveBytes)) {
    return;
  }
  limits.maxBulkBytes = static_cast<size_t>(maxBulkBytes);
  limits.maxInteractiveBytes = static_cast<size_t>(maxInteractiveBytes);
  queue_ = UnitQueue(limits);
}

Napi::Value UnitQueueProbe::Enqueue(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ByteView unit;
  double nowMs;
  if (!ToByteView(env, info[0], "unit", &unit) || !ReadTime(info, 2, &nowMs)) return env.Undefined();
  return Napi::Boolean::New(env, queue_.Enqueue(unit.data, unit.length, info[1].ToBoolean().Value(), nowMs));
}

Napi::Value UnitQueueProbe::Dequeue(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  double nowMs;
  if (!ReadTime(info, 0, &nowMs)) return env.Undefined();
  std::vector<uint8_t> unit;
  if (!queue_.Dequeue(nowMs, &unit, &delayDrops_)) return env.Undefined();
  return Napi::Buffer<uint8_t>::Copy(env, unit.data(), unit.size());
}

Napi::Value UnitQueueProbe::Clear(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(queue_.Clear()));
}

Napi::Value UnitQueueProbe::Length(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(queue_.length()));
}

Napi::Value UnitQueueProbe::DelayDrops(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(delayDrops_));
}

}  // namespace edgevpn_tun
