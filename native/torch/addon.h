// Shared helpers of the ichscan libtorch addon: the tensor store (integer handles → ATen tensors),
// N-API argument readers and the error guard. Every stored tensor is contiguous in tfjs' logical
// (row-major, NHWC for images) order; NCHW views for ATen's image ops are permuted views of it,
// i.e. channels-last tensors, so no copy is needed on the way in or out of a convolution.
#pragma once
#include <node_api.h>
#include <ATen/ATen.h>
#include <string>
#include <vector>
#include <stdexcept>

namespace ich {

/** tfjs dtypes as the addon codes them: 0 float32, 1 int32, 2 bool. */
at::ScalarType scalarType(int code);
int dtypeCode(at::ScalarType t);

/** The device new tensors are created on ('cpu' unless setDevice('cuda') succeeded). */
at::Device& currentDevice();
at::TensorOptions optionsFor(int dtypeCode);

/** Stores a tensor (made contiguous) and returns its handle. */
int32_t put(const at::Tensor& t);
/** The tensor of a handle; throws on an unknown or freed handle. */
const at::Tensor& get(int32_t id);
void release(int32_t id);
size_t liveCount();

/** Arguments of one call. */
struct Args {
  napi_env env;
  size_t argc = 16;
  napi_value argv[16];
  Args(napi_env e, napi_callback_info info);
  napi_value at(size_t i) const;
  int32_t i32(size_t i) const;
  double f64(size_t i) const;
  bool boolean(size_t i) const;
  std::string str(size_t i) const;
  std::vector<int64_t> ints(size_t i) const;
  /** A handle argument's tensor. */
  const at::Tensor& tensor(size_t i) const { return get(i32(i)); }
  /** An array of handles → tensors. */
  std::vector<at::Tensor> tensors(size_t i) const;
  bool isNullish(size_t i) const;
};

napi_value num(napi_env env, double v);
napi_value handles(napi_env env, const std::vector<at::Tensor>& ts);
/** Stores `t` (cast to tfjs dtype `dtype`) and returns its handle as a JS number. */
napi_value out(napi_env env, const at::Tensor& t, int dtype);

/** Runs `f`, turning C++ and ATen exceptions into JS errors (message without the C++ backtrace). */
template <typename F>
napi_value guard(napi_env env, F f) {
  try {
    return f();
  } catch (const c10::Error& e) {
    napi_throw_error(env, "ICH_E_TORCH", e.what_without_backtrace());
  } catch (const std::exception& e) {
    napi_throw_error(env, "ICH_E_TORCH", e.what());
  }
  return nullptr;
}

#define ICH_FN(name) static napi_value name(napi_env env, napi_callback_info info)
#define ICH_BODY(...) return guard(env, [&]() -> napi_value { Args a(env, info); __VA_ARGS__ })

void define(napi_env env, napi_value exports, const char* name, napi_callback fn);

/** NHWC (tfjs) ↔ NCHW channels-last (ATen) views. */
inline at::Tensor toNchw(const at::Tensor& x) { return x.permute({0, 3, 1, 2}); }
inline at::Tensor toNhwc(const at::Tensor& x) { return x.permute({0, 2, 3, 1}); }

/** Makes ATen allocate CPU tensors through ichscan's caching allocator (allocator.cpp). */
void installCachingAllocator();

void registerStore(napi_env env, napi_value exports);
void registerElementwise(napi_env env, napi_value exports);
void registerShape(napi_env env, napi_value exports);
void registerNn(napi_env env, napi_value exports);
void registerFused(napi_env env, napi_value exports);
void registerAdam(napi_env env, napi_value exports);
void registerConvPack(napi_env env, napi_value exports);

}  // namespace ich
