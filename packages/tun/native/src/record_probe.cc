#include "record_probe.h"

#include <vector>

#include "js_args.h"

namespace edgevpn_tun {

Napi::Function RecordProbe::Define(Napi::Env env) {
  return DefineClass(env, "RecordProbe",
                     {
                         InstanceMethod<&RecordProbe::Seal>("seal"),
                         InstanceMethod<&RecordProbe::Open>("open"),
                     });
}

RecordProbe::RecordProbe(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RecordProbe>(info) {
  Napi::Env env = info.Env();
  ByteView key;
  if (!ToByteView(env, info[0], "key", &key)) return;
  if (key.length != kRecordKeyBytes) {
    Napi::RangeError::New(env, "key must be 32 bytes").ThrowAsJavaScriptException();
    return;
  }
  sealer_ = std::make_unique<RecordSealer>(key.data);
  opener_ = std::make_unique<RecordOpener>(key.data);
}

Napi::Value RecordProbe::Seal(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ByteView plaintext;
  if (!ToByteView(env, info[0], "plaintext", &plaintext)) return env.Undefined();
  if (plaintext.length == 0 || plaintext.length > kMaxRecordPlaintext) {
    Napi::RangeError::New(env, "a record holds 1 to 262144 bytes of plaintext").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::vector<uint8_t> record(plaintext.length + kRecordOverhead);
  sealer_->Begin(record.data(), plaintext.length);
  sealer_->Update(plaintext.data, plaintext.length);
  size_t size = sealer_->Finish();
  return Napi::Buffer<uint8_t>::Copy(env, record.data(), size);
}

Napi::Value RecordProbe::Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ByteView record;
  if (!ToByteView(env, info[0], "record", &record)) return env.Undefined();
  if (record.length <= kRecordOverhead) return env.Null();
  size_t declared = (size_t{record.data[0]} << 24) | (size_t{record.data[1]} << 16) | (size_t{record.data[2]} << 8) | record.data[3];
  if (declared != record.length - kRecordLengthBytes) return env.Null();
  std::vector<uint8_t> body(record.data + kRecordLengthBytes, record.data + record.length);
  if (!opener_->Open(body.data(), body.size())) return env.Null();
  return Napi::Buffer<uint8_t>::Copy(env, body.data(), body.size() - kRecordTagBytes);
}

}  // namespace edgevpn_tun
