// The records of the fast data channel as docs/fast-channel.md defines them (its test vectors check
// this cipher through record_probe.h): [4-byte big-endian length of ciphertext + tag][ciphertext]
// [16-byte tag], AES-256-GCM, the nonce being the record's number (never sent; 12 bytes, the counter
// big-endian in the last 6).
#pragma once

#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>

namespace edgevpn_tun {

constexpr size_t kRecordLengthBytes = 4;
constexpr size_t kRecordTagBytes = 16;
constexpr size_t kRecordOverhead = kRecordLengthBytes + kRecordTagBytes;
constexpr size_t kMaxRecordPlaintext = 256 * 1024;
constexpr size_t kRecordKeyBytes = 32;

// Seals a byte stream into records numbered from 0. Node's own OpenSSL does the work (AES-NI).
class RecordSealer {
 public:
  explicit RecordSealer(const uint8_t* key);
  ~RecordSealer();
  RecordSealer(const RecordSealer&) = delete;
  RecordSealer& operator=(const RecordSealer&) = delete;

  // Starts a record of `plaintextLength` bytes at `out`, which must hold plaintextLength + kRecordOverhead.
  void Begin(uint8_t* out, size_t plaintextLength);
  // Encrypts the next `length` bytes of the record's plaintext (the pieces need not be contiguous).
  void Update(const uint8_t* data, size_t length);
  // Writes the tag; returns the record's size.
  size_t Finish();

 private:
  EVP_CIPHER_CTX* ctx_;
  uint64_t counter_ = 0;
  uint8_t* record_ = nullptr;
  uint8_t* cursor_ = nullptr;
};

// Opens the records of one socket, in order.
class RecordOpener {
 public:
  explicit RecordOpener(const uint8_t* key);
  ~RecordOpener();
  RecordOpener(const RecordOpener&) = delete;
  RecordOpener& operator=(const RecordOpener&) = delete;

  // Decrypts in place a record body (ciphertext then tag, `bodyLength` > kRecordTagBytes bytes);
  // false when it fails authentication.
  bool Open(uint8_t* body, size_t bodyLength);
  // The number of the next record.
  uint64_t counter() const { return counter_; }

 private:
  EVP_CIPHER_CTX* ctx_;
  uint64_t counter_ = 0;
};

}  // namespace edgevpn_tun
