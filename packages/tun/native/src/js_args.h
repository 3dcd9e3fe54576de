// Validated reading of JS arguments; each reader returns false with a pending JS exception on bad input.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>

namespace edgevpn_tun {

struct ByteView {
  uint8_t* data;
  size_t length;
};

// Returns false with a pending TypeError when `value` is not a Uint8Array.
bool ToByteView(Napi::Env env, Napi::Value value, const char* what, ByteView* out);

// Returns false with a pending TypeError when `value` is not an Int32Array.
bool ToInt32View(Napi::Env env, Napi::Value value, const char* what, int32_t** data, size_t* length);

// Reads the optional integer `options[key]` within [min, max]; leaves `out` unchanged when it is undefined.
// Returns false with a pending RangeError otherwise.
bool ReadIntegerOption(Napi::Object options, const char* key, int64_t min, int64_t max, int64_t* out);

// Reports an exception thrown by a JS callback the way Node reports one from any event: 'uncaughtException'.
void RaisePendingException(Napi::Env env);

}  // namespace edgevpn_tun
