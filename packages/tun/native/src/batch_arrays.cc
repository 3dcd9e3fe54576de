#include "batch_arrays.h"

namespace edgevpn_tun {

void BatchArrays::Create(Napi::Env env, size_t slabBytes, uint32_t maxBatch, size_t counterCount) {
  Napi::Buffer<uint8_t> slabArray = Napi::Buffer<uint8_t>::New(env, slabBytes);
  slabData = slabArray.Data();
  slab = Napi::Persistent(slabArray);
  Napi::Int32Array metaArray = Napi::Int32Array::New(env, size_t{maxBatch} * 2);
  metaData = metaArray.Data();
  meta = Napi::Persistent(metaArray);
  Napi::Float64Array counterArray = Napi::Float64Array::New(env, counterCount);
  counterData = counterArray.Data();
  counters = Napi::Persistent(counterArray);
}

}  // namespace edgevpn_tun
