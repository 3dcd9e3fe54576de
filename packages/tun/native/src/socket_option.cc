#include "socket_option.h"

#include "errno_error.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <string>

namespace edgevpn_tun {

Napi::Value SetSocketOption(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int32_t args[4];
  static const char* const kNames[4] = {"fd", "level", "name", "value"};
  for (size_t i = 0; i < 4; i++) {
    if (!info[i].IsNumber()) {
      Napi::TypeError::New(env, std::string("setSocketOption: ") + kNames[i] + " must be an integer")
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
    args[i] = info[i].As<Napi::Number>().Int32Value();
  }
  int value = args[3];
  if (::setsockopt(args[0], args[1], args[2], &value, sizeof(value)) != 0) {
    ThrowErrno(env, "setsockopt", errno);
    return env.Undefined();
  }
  socklen_t length = sizeof(value);
  if (::getsockopt(args[0], args[1], args[2], &value, &length) != 0) {
    ThrowErrno(env, "getsockopt", errno);
    return env.Undefined();
  }
  return Napi::Number::New(env, value);
}

}  // namespace edgevpn_tun
