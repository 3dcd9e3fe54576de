#include "record_cipher.h"

namespace edgevpn_tun {

namespace {

constexpr size_t kNonceBytes = 12;

void CounterNonce(uint64_t counter, uint8_t nonce[kNonceBytes]) {
  for (size_t i = 0; i < kNonceBytes; ++i) nonce[i] = 0;
  for (size_t i = 0; i < 6; ++i) nonce[kNonceBytes - 1 - i] = static_cast<uint8_t>(counter >> (8 * i));
}

}  // namespace

RecordSealer::RecordSealer(const uint8_t* key) : ctx_(EVP_CIPHER_CTX_new()) {
  EVP_EncryptInit_ex(ctx_, EVP_aes_256_gcm(), nullptr, key, nullptr);
}

RecordSealer::~RecordSealer() { EVP_CIPHER_CTX_free(ctx_); }

void RecordSealer::Begin(uint8_t* out, size_t plaintextLength) {
  uint8_t nonce[kNonceBytes];
  CounterNonce(counter_++, nonce);
  EVP_EncryptInit_ex(ctx_, nullptr, nullptr, nullptr, nonce);
  uint32_t length = static_cast<uint32_t>(plaintextLength + kRecordTagBytes);
  out[0] = static_cast<uint8_t>(length >> 24);
  out[1] = static_cast<uint8_t>(length >> 16);
  out[2] = static_cast<uint8_t>(length >> 8);
  out[3] = static_cast<uint8_t>(length);
  record_ = out;
  cursor_ = out + kRecordLengthBytes;
}

void RecordSealer::Update(const uint8_t* data, size_t length) {
  int written = 0;
  EVP_EncryptUpdate(ctx_, cursor_, &written, data, static_cast<int>(length));
  cursor_ += written;
}

size_t RecordSealer::Finish() {
  int written = 0;
  EVP_EncryptFinal_ex(ctx_, cursor_, &written);
  cursor_ += written;
  EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_GCM_GET_TAG, kRecordTagBytes, cursor_);
  cursor_ += kRecordTagBytes;
  return static_cast<size_t>(cursor_ - record_);
}

RecordOpener::RecordOpener(const uint8_t* key) : ctx_(EVP_CIPHER_CTX_new()) {
  EVP_DecryptInit_ex(ctx_, EVP_aes_256_gcm(), nullptr, key, nullptr);
}

RecordOpener::~RecordOpener() { EVP_CIPHER_CTX_free(ctx_); }

bool RecordOpener::Open(uint8_t* body, size_t bodyLength) {
  uint8_t nonce[kNonceBytes];
  CounterNonce(counter_++, nonce);
  size_t cipherLength = bodyLength - kRecordTagBytes;
  int written = 0;
  if (EVP_DecryptInit_ex(ctx_, nullptr, nullptr, nullptr, nonce) != 1) return false;
  if (EVP_DecryptUpdate(ctx_, body, &written, body, static_cast<int>(cipherLength)) != 1) return false;
  if (EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_GCM_SET_TAG, kRecordTagBytes, body + cipherLength) != 1) return false;
  return EVP_DecryptFinal_ex(ctx_, body + written, &written) == 1;
}

}  // namespace edgevpn_tun
