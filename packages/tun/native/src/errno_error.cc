#include "errno_error.h"

#include <uv.h>

#include <cstring>
#include <string>

namespace edgevpn_tun {

Napi::Error ErrnoError(Napi::Env env, const char* syscall, int err) {
  std::string message = std::string(syscall) + ": " + std::strerror(err);
  Napi::Error error = Napi::Error::New(env, message);
  // libuv reports errors as negated errno values on Unix and knows their names.
  error.Set("code", Napi::String::New(env, uv_err_name(-err)));
  error.Set("errno", Napi::Number::New(env, err));
  error.Set("syscall", Napi::String::New(env, syscall));
  return error;
}

void ThrowErrno(Napi::Env env, const char* syscall, int err) {
  ErrnoError(env, syscall, err).ThrowAsJavaScriptException();
}

}  // namespace edgevpn_tun
