// Prepacked inference convolutions: libtorch's mkldnn_prepacked::conv2d_prepack / conv2d_run (what
// torch.jit.freeze + optimize_for_inference use). at::convolution hands oneDNN the dense OIHW weight
// on every call, and oneDNN reorders it into its blocked layout each time; a pack holds the weight
// already reordered for one input shape (with the bias and an optional fused ReLU post-op), so a
// forward pass reads each weight once instead of copying it first.
// The ops have no C++ headers in libtorch-dev, so they are called boxed through the c10 dispatcher;
// a pack is an opaque IValue (the custom class mkldnn.ConvOpContext) kept under an integer id.
// Packs are immutable snapshots of the weight: the TS side (torch-conv-pack.ts) frees them when the
// filter or bias tensor they were made from is disposed, and only uses them outside gradient tapes.
#include "addon.h"
#include <ATen/core/dispatch/Dispatcher.h>
#include <unordered_map>

namespace ich {

namespace {

// Never destroyed (see store.cpp's slots): ATen's statics may be gone at process exit.
std::unordered_map<int32_t, c10::IValue>& packs = *new std::unordered_map<int32_t, c10::IValue>();
int32_t nextPack = 1;

// Looked up once each; throws (a JS error) if this libtorch was built without oneDNN.
const c10::OperatorHandle& prepackOp() {
  static const c10::OperatorHandle h = c10::Dispatcher::singleton().findSchemaOrThrow("mkldnn_prepacked::conv2d_prepack", "");
  return h;
}
const c10::OperatorHandle& runOp() {
  static const c10::OperatorHandle h = c10::Dispatcher::singleton().findSchemaOrThrow("mkldnn_prepacked::conv2d_run", "");
  return h;
}

}  // namespace

// convPrepack(filter HWIO, bias?, strides[2], padding[2] (per side, symmetric), dilations[2],
//             inShape NHWC[4], activation 'linear' | 'relu') → pack id
ICH_FN(ConvPrepack) {
  ICH_BODY({
    const auto& f = a.tensor(0);
    auto s = a.ints(5);
    if (s.size() != 4) throw std::runtime_error("convPrepack: inShape must be NHWC [n, h, w, c]");
    std::string act = a.str(6);
    if (act != "linear" && act != "relu") throw std::runtime_error("convPrepack: activation must be linear or relu, not " + act);
    std::vector<c10::IValue> stack;
    // OIHW with channels-last strides: the pack then expects NHWC (channels-last) inputs.
    stack.emplace_back(f.permute({3, 2, 0, 1}).contiguous(at::MemoryFormat::ChannelsLast));
    stack.emplace_back(a.isNullish(1) ? c10::IValue() : c10::IValue(a.tensor(1).reshape({-1}).contiguous()));
    stack.emplace_back(a.ints(2));
    stack.emplace_back(a.ints(3));
    stack.emplace_back(a.ints(4));
    stack.emplace_back(int64_t{1});
    stack.emplace_back(std::vector<int64_t>{s[0], s[3], s[1], s[2]});
    stack.emplace_back(act == "relu" ? std::string("relu") : std::string("none"));
    prepackOp().callBoxed(stack);
    int32_t id = nextPack++;
    packs.emplace(id, std::move(stack.at(0)));
    return num(env, id);
  });
}

// convRun(x NHWC, pack id) → y NHWC: the packed convolution (bias and activation included).
ICH_FN(ConvRun) {
  ICH_BODY({
    auto it = packs.find(a.i32(1));
    if (it == packs.end()) throw std::runtime_error("convRun: unknown pack " + std::to_string(a.i32(1)));
    std::vector<c10::IValue> stack{c10::IValue(toNchw(a.tensor(0))), it->second};
    runOp().callBoxed(stack);
    return num(env, put(toNhwc(stack.at(0).toTensor())));
  });
}

// convPackFree(pack id): frees the packed weight (unknown ids are an error: a double free is a bug).
ICH_FN(ConvPackFree) {
  ICH_BODY({
    if (packs.erase(a.i32(0)) != 1) throw std::runtime_error("convPackFree: unknown pack " + std::to_string(a.i32(0)));
    return static_cast<napi_value>(nullptr);
  });
}

// convPackCount() → live packs (tests: none left behind).
ICH_FN(ConvPackCount) {
  ICH_BODY({ return num(env, static_cast<double>(packs.size())); });
}

void registerConvPack(napi_env env, napi_value exports) {
  define(env, exports, "convPrepack", ConvPrepack);
  define(env, exports, "convRun", ConvRun);
  define(env, exports, "convPackFree", ConvPackFree);
  define(env, exports, "convPackCount", ConvPackCount);
}

}  // namespace ich
