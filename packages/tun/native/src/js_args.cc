#include "js_args.h"

#include <string>

namespace edgevpn_tun {

namespace {

bool IsTypedArrayOf(Napi::Value value, napi_typedarray_type type) {
  return value.IsTypedArray() && value.As<Napi::TypedArray>().TypedArrayType() == type;
}

void ThrowNotA(Napi::Env env, const char* what, const char* type) {
  Napi::TypeError::New(env, std::string(what) + " must be a " + type).ThrowAsJavaScriptException();
}

}  // namespace

bool ToByteView(Napi::Env env, Napi::Value value, const char* what, ByteView* out) {
  if (!IsTypedArrayOf(value, napi_uint8_array)) {
    ThrowNotA(env, what, "Uint8Array");
    return false;
  }
  Napi::Uint8Array bytes = value.As<Napi::Uint8Array>();
  out->data = bytes.Data();
  out->length = bytes.ElementLength();
  return true;
}

bool ToInt32View(Napi::Env env, Napi::Value value, const char* what, int32_t** data, size_t* length) {
  if (!IsTypedArrayOf(value, napi_int32_array)) {
    ThrowNotA(env, what, "Int32Array");
    return false;
  }
  Napi::Int32Array ints = value.As<Napi::Int32Array>();
  *data = ints.Data();
  *length = ints.ElementLength();
  return true;
}

bool ReadIntegerOption(Napi::Object options, const char* key, int64_t min, int64_t max, int64_t* out) {
  Napi::Value value = options.Get(key);
  if (value.IsUndefined()) return true;
  double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1.0;
  if (!value.IsNumber() || number < static_cast<double>(min) || number > static_cast<double>(max) ||
      number != static_cast<double>(static_cast<int64_t>(number))) {
    Napi::RangeError::New(options.Env(), std::string(key) + " must be an integer from " + std::to_string(min) +
                                             " to " + std::to_string(max))
        .ThrowAsJavaScriptException();
    return false;
  }
  *out = static_cast<int64_t>(number);
  return true;
}

void RaisePendingException(Napi::Env env) {
  if (!env.IsExceptionPending()) return;
  napi_value exception;
  napi_get_and_clear_last_exception(env, &exception);
  napi_fatal_exception(env, exception);
}

}  // namespace edgevpn_tun
