// The arrays a packet reader shares with JS: the slab its batches are handed over in, their
// `[offset, length]` pairs, and its counters. JS holds the arrays; C++ writes through raw pointers.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>

namespace edgevpn_tun {

struct BatchArrays {
  // Allocates the arrays: `slabBytes` bytes, `maxBatch` pairs, `counterCount` counters.
  void Create(Napi::Env env, size_t slabBytes, uint32_t maxBatch, size_t counterCount);

  Napi::Reference<Napi::Buffer<uint8_t>> slab;
  uint8_t* slabData = nullptr;
  Napi::Reference<Napi::Int32Array> meta;
  int32_t* metaData = nullptr;
  Napi::Reference<Napi::Float64Array> counters;
  double* counterData = nullptr;
};

}  // namespace edgevpn_tun
