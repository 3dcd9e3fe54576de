// A JS handle on the fast channel's record cipher (record_cipher.h), the one the native threads
// seal and open with. The send and receive threads reach it only through sockets; this lets the
// test-vector spec check it byte for byte against docs/fast-channel.md.
#pragma once

#include <napi.h>

#include <memory>

#include "record_cipher.h"

namespace edgevpn_tun {

class RecordProbe : public Napi::ObjectWrap<RecordProbe> {
 public:
  static Napi::Function Define(Napi::Env env);

  // new RecordProbe(key: Uint8Array of 32 bytes): records numbered from 0 in each direction
  explicit RecordProbe(const Napi::CallbackInfo& info);

 private:
  // seal(plaintext: Uint8Array): Buffer, the next whole record (length, ciphertext, tag)
  Napi::Value Seal(const Napi::CallbackInfo& info);
  // open(record: Uint8Array): Buffer | null, the next record's plaintext; null when it fails
  // authentication or its length does not match
  Napi::Value Open(const Napi::CallbackInfo& info);

  std::unique_ptr<RecordSealer> sealer_;
  std::unique_ptr<RecordOpener> opener_;
};

}  // namespace edgevpn_tun
