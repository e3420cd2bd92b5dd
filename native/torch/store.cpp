// The tensor store and the calls that move data in and out of it, plus threads and device.
#include "addon.h"
#include <cstring>
#include <torch/version.h>
#include <ATen/Parallel.h>

namespace ich {

// Never destroyed: at process exit ATen's own statics may already be gone when ours would run.
static std::vector<at::Tensor>& slots = *new std::vector<at::Tensor>();
static std::vector<int32_t>& freeSlots = *new std::vector<int32_t>();
static size_t live = 0;

at::ScalarType scalarType(int code) {
  switch (code) {
    case 0: return at::kFloat;
    case 1: return at::kInt;
    case 2: return at::kBool;
  }
  throw std::runtime_error("unknown dtype code " + std::to_string(code));
}

int dtypeCode(at::ScalarType t) {
  if (t == at::kFloat) return 0;
  if (t == at::kInt) return 1;
  if (t == at::kBool) return 2;
  throw std::runtime_error(std::string("unsupported ATen dtype ") + c10::toString(t));
}

at::Device& currentDevice() {
  static at::Device d(at::kCPU);
  return d;
}

at::TensorOptions optionsFor(int code) { return at::TensorOptions().dtype(scalarType(code)).device(currentDevice()); }

int32_t put(const at::Tensor& t) {
  int32_t id;
  if (!freeSlots.empty()) {
    id = freeSlots.back();
    freeSlots.pop_back();
    slots[id] = t.contiguous();
  } else {
    id = static_cast<int32_t>(slots.size());
    slots.push_back(t.contiguous());
  }
  live++;
  return id;
}

const at::Tensor& get(int32_t id) {
  if (id < 0 || static_cast<size_t>(id) >= slots.size() || !slots[id].defined()) throw std::runtime_error("unknown tensor handle " + std::to_string(id));
  return slots[id];
}

void release(int32_t id) {
  get(id);
  slots[id] = at::Tensor();
  freeSlots.push_back(id);
  live--;
}

size_t liveCount() { return live; }

Args::Args(napi_env e, napi_callback_info info) : env(e) {
  napi_get_cb_info(e, info, &argc, argv, nullptr, nullptr);
}

napi_value Args::at(size_t i) const {
  if (i >= argc) throw std::runtime_error("missing argument " + std::to_string(i));
  return argv[i];
}

int32_t Args::i32(size_t i) const {
  int32_t v;
  if (napi_get_value_int32(env, at(i), &v) != napi_ok) throw std::runtime_error("argument " + std::to_string(i) + " must be a number");
  return v;
}

double Args::f64(size_t i) const {
  double v;
  if (napi_get_value_double(env, at(i), &v) != napi_ok) throw std::runtime_error("argument " + std::to_string(i) + " must be a number");
  return v;
}

bool Args::boolean(size_t i) const {
  bool v;
  if (napi_get_value_bool(env, at(i), &v) != napi_ok) throw std::runtime_error("argument " + std::to_string(i) + " must be a boolean");
  return v;
}

std::string Args::str(size_t i) const {
  char buf[128];
  size_t n;
  if (napi_get_value_string_utf8(env, at(i), buf, sizeof buf, &n) != napi_ok) throw std::runtime_error("argument " + std::to_string(i) + " must be a string");
  return std::string(buf, n);
}

std::vector<int64_t> Args::ints(size_t i) const {
  uint32_t n;
  napi_value arr = at(i);
  if (napi_get_array_length(env, arr, &n) != napi_ok) throw std::runtime_error("argument " + std::to_string(i) + " must be an array");
  std::vector<int64_t> v(n);
  for (uint32_t k = 0; k < n; k++) {
    napi_value e;
    napi_get_element(env, arr, k, &e);
    double d;
    if (napi_get_value_double(env, e, &d) != napi_ok) throw std::runtime_error("argument " + std::to_string(i) + " must be an array of numbers");
    v[k] = static_cast<int64_t>(d);
  }
  return v;
}

std::vector<at::Tensor> Args::tensors(size_t i) const {
  std::vector<at::Tensor> ts;
  for (int64_t id : ints(i)) ts.push_back(get(static_cast<int32_t>(id)));
  return ts;
}

bool Args::isNullish(size_t i) const {
  if (i >= argc) return true;
  napi_valuetype t;
  napi_typeof(env, argv[i], &t);
  return t == napi_undefined || t == napi_null;
}

napi_value num(napi_env env, double v) {
  napi_value r;
  napi_create_double(env, v, &r);
  return r;
}

napi_value out(napi_env env, const at::Tensor& t, int dtype) {
  auto st = scalarType(dtype);
  return num(env, put(t.scalar_type() == st ? t : t.to(st)));
}

napi_value handles(napi_env env, const std::vector<at::Tensor>& ts) {
  napi_value arr;
  napi_create_array_with_length(env, ts.size(), &arr);
  for (size_t i = 0; i < ts.size(); i++) napi_set_element(env, arr, static_cast<uint32_t>(i), num(env, put(ts[i])));
  return arr;
}

void define(napi_env env, napi_value exports, const char* name, napi_callback fn) {
  napi_value f;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, nullptr, &f);
  napi_set_named_property(env, exports, name, f);
}

static void* typedArrayData(napi_env env, napi_value v, size_t* bytes) {
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, &buffer, &offset) != napi_ok) throw std::runtime_error("expected a typed array");
  size_t elem = (type == napi_float32_array || type == napi_int32_array || type == napi_uint32_array) ? 4 : type == napi_float64_array ? 8 : 1;
  *bytes = length * elem;
  return data;
}

// fromBuffer(values: TypedArray, shape: number[], dtype) → handle. Copies the values.
ICH_FN(FromBuffer) {
  ICH_BODY({
    size_t bytes;
    void* data = typedArrayData(env, a.at(0), &bytes);
    auto shape = a.ints(1);
    int dtype = a.i32(2);
    auto t = at::empty(shape, at::TensorOptions().dtype(scalarType(dtype)));
    if (static_cast<size_t>(t.nbytes()) != bytes) throw std::runtime_error("fromBuffer: " + std::to_string(bytes) + " bytes for shape of " + std::to_string(t.nbytes()));
    if (bytes) std::memcpy(t.data_ptr(), data, bytes);
    return num(env, put(currentDevice().is_cpu() ? t : t.to(currentDevice())));
  });
}

// toBuffer(handle, out: TypedArray of the tensor's size and dtype): copies the values out.
ICH_FN(ToBuffer) {
  ICH_BODY({
    auto t = a.tensor(0).to(at::kCPU).contiguous();
    size_t bytes;
    void* data = typedArrayData(env, a.at(1), &bytes);
    if (static_cast<size_t>(t.nbytes()) != bytes) throw std::runtime_error("toBuffer: " + std::to_string(t.nbytes()) + " bytes into " + std::to_string(bytes));
    if (bytes) std::memcpy(data, t.data_ptr(), bytes);
    return nullptr;
  });
}

ICH_FN(Free) {
  ICH_BODY({
    release(a.i32(0));
    return nullptr;
  });
}

// shape(handle) → number[]
ICH_FN(Shape) {
  ICH_BODY({
    const auto& t = a.tensor(0);
    napi_value arr;
    napi_create_array_with_length(env, t.dim(), &arr);
    for (int64_t d = 0; d < t.dim(); d++) napi_set_element(env, arr, static_cast<uint32_t>(d), num(env, static_cast<double>(t.size(d))));
    return arr;
  });
}

ICH_FN(LiveCount) {
  ICH_BODY({ return num(env, static_cast<double>(liveCount())); });
}

// setThreads(n): ATen's intra-op pool (OpenMP here) and oneDNN's with it.
ICH_FN(SetThreads) {
  ICH_BODY({
    at::set_num_threads(a.i32(0));
    return nullptr;
  });
}

ICH_FN(GetThreads) {
  ICH_BODY({ return num(env, at::get_num_threads()); });
}

ICH_FN(CudaAvailable) {
  ICH_BODY({
    napi_value r;
    napi_get_boolean(env, at::hasCUDA(), &r);
    return r;
  });
}

// setDevice('cpu' | 'cuda'): where new tensors go; throws when libtorch has no CUDA.
ICH_FN(SetDevice) {
  ICH_BODY({
    std::string d = a.str(0);
    if (d == "cuda" && !at::hasCUDA()) throw std::runtime_error("this libtorch has no CUDA (or no GPU is visible)");
    currentDevice() = at::Device(d);
    return nullptr;
  });
}

ICH_FN(Version) {
  ICH_BODY({
    napi_value r;
    std::string v = std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." + std::to_string(TORCH_VERSION_PATCH);
    napi_create_string_utf8(env, v.c_str(), v.size(), &r);
    return r;
  });
}

void registerStore(napi_env env, napi_value exports) {
  define(env, exports, "fromBuffer", FromBuffer);
  define(env, exports, "toBuffer", ToBuffer);
  define(env, exports, "free", Free);
  define(env, exports, "liveCount", LiveCount);
  define(env, exports, "shape", Shape);
  define(env, exports, "setThreads", SetThreads);
  define(env, exports, "getThreads", GetThreads);
  define(env, exports, "cudaAvailable", CudaAvailable);
  define(env, exports, "setDevice", SetDevice);
  define(env, exports, "version", Version);
}

}  // namespace ich

static napi_value Init(napi_env env, napi_value exports) {
  ich::installCachingAllocator();
  ich::registerStore(env, exports);
  ich::registerElementwise(env, exports);
  ich::registerShape(env, exports);
  ich::registerNn(env, exports);
  ich::registerFused(env, exports);
  ich::registerAdam(env, exports);
  ich::registerConvPack(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
