// Network kernels: convolution (forward and both gradients), pooling and its gradients, batch
// norm (inference form, which tfjs also uses in training with batch moments), matmul, softmax.
// Images arrive NHWC; toNchw gives ATen a channels-last NCHW view of the same memory, so oneDNN
// runs its NHWC kernels and the NHWC result view is already contiguous.
// Padding follows tfjs (TensorFlow 'same' may pad one more at the bottom/right): symmetric
// padding goes to ATen directly; asymmetric padding pads the input explicitly.
#include "addon.h"
#include <limits>

#ifdef ICH_HAVE_DNNL
extern "C" int dnnl_sgemm(char transa, char transb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                          const float* B, int64_t ldb, float beta, float* C, int64_t ldc);
#endif

namespace ich {

namespace {

struct Pads {
  int64_t t, b, l, r;
  bool symmetric() const { return t == b && l == r; }
};

Pads pads(const Args& a, size_t i) {
  auto p = a.ints(i);
  if (p.size() != 4) throw std::runtime_error("pads must be [top, bottom, left, right]");
  return {p[0], p[1], p[2], p[3]};
}

at::Tensor channelsLast(const at::Tensor& t) { return t.contiguous(at::MemoryFormat::ChannelsLast); }

/** NCHW view of NHWC `x`, padded explicitly with `value` when the padding is asymmetric. */
at::Tensor padInput(const at::Tensor& x, const Pads& p, double value) {
  auto n = toNchw(x);
  if (p.symmetric()) return n;
  return channelsLast(at::constant_pad_nd(n, {p.l, p.r, p.t, p.b}, value));
}

std::vector<int64_t> atenPadding(const Pads& p) { return p.symmetric() ? std::vector<int64_t>{p.t, p.l} : std::vector<int64_t>{0, 0}; }

/** Undoes padInput on a gradient: [N, C, H+t+b, W+l+r] → [N, C, H, W]. */
at::Tensor unpad(const at::Tensor& g, const Pads& p, int64_t h, int64_t w) {
  return p.symmetric() ? g : g.narrow(2, p.t, h).narrow(3, p.l, w);
}

/** tfjs filter → ATen weight: HWIO [kh, kw, ci, co] → OIHW; depthwise [kh, kw, ci, m] → [ci·m, 1, kh, kw]. */
// Made channels-last contiguous: oneDNN fails to build some primitives from other strides
// ("could not create a descriptor"), and it is the layout it wants for NHWC activations.
at::Tensor atenWeight(const at::Tensor& w, bool depthwise) {
  if (!depthwise) return channelsLast(w.permute({3, 2, 0, 1}));
  return channelsLast(w.reshape({w.size(0), w.size(1), -1}).permute({2, 0, 1}).unsqueeze(1));
}

/** ATen weight gradient → tfjs filter layout (inverse of atenWeight). */
at::Tensor tfjsFilter(const at::Tensor& g, bool depthwise, int64_t ci) {
  if (!depthwise) return g.permute({2, 3, 1, 0});
  return g.squeeze(1).permute({1, 2, 0}).reshape({g.size(2), g.size(3), ci, -1});
}

at::Tensor activate(at::Tensor y, const std::string& act, double alpha, const at::Tensor& prelu) {
  if (act.empty() || act == "linear") return y;
  if (act == "relu") return y.relu_();
  if (act == "relu6") return y.clamp_(0, 6);
  if (act == "elu") return at::elu(y);
  if (act == "sigmoid") return y.sigmoid_();
  if (act == "leakyrelu") return at::where(y < 0, y * alpha, y);
  if (act == "prelu") return at::where(y < 0, y * prelu, y);
  throw std::runtime_error("torch addon has no fused activation " + act);
}

at::Tensor optionalTensor(const Args& a, size_t i) {
  if (a.isNullish(i)) return at::Tensor();
  return a.tensor(i);
}

}  // namespace

namespace {
at::Tensor matmul(const at::Tensor& a, const at::Tensor& b, bool ta, bool tb);

/** A 1×1, stride-1, unpadded, non-depthwise convolution: a plain matrix product over pixels. */
bool isPointwise(const at::Tensor& filter, bool depthwise, const Pads& p, const std::vector<int64_t>& strides) {
  return !depthwise && filter.size(0) == 1 && filter.size(1) == 1 && p.t == 0 && p.b == 0 && p.l == 0 && p.r == 0 && strides.at(0) == 1 &&
         strides.at(1) == 1;
}
}

// conv2d(x, filter, strides[2], pads[4], dilations[2], depthwise, bias?, activation, alpha, prelu?)
ICH_FN(Conv2d) {
  ICH_BODY({
    const auto& x = a.tensor(0);
    bool dw = a.boolean(5);
    auto p = pads(a, 3);
    auto bias = optionalTensor(a, 6);
    const auto& f = a.tensor(1);
    auto strides = a.ints(2);
    if (isPointwise(f, dw, p, strides)) {
      // 1×1, stride 1: one GEMM over all pixels, [n·h·w, ci] · [ci, co] (ATen would take a reference-BLAS
      // path for these on one thread with batches under 16).
      auto y = matmul(x.reshape({-1, x.size(3)}), f.reshape({f.size(2), f.size(3)}), false, false);
      if (bias.defined()) y.add_(bias.reshape({-1}));
      y = y.reshape({x.size(0), x.size(1), x.size(2), f.size(3)});
      return num(env, put(activate(y, a.isNullish(7) ? "" : a.str(7), a.isNullish(8) ? 0 : a.f64(8), optionalTensor(a, 9))));
    }
    auto y = at::convolution(padInput(x, p, 0), atenWeight(a.tensor(1), dw), bias.defined() ? bias.reshape({-1}) : bias, a.ints(2), atenPadding(p),
                             a.ints(4), false, {0, 0}, dw ? x.size(3) : 1);
    return num(env, put(activate(toNhwc(y), a.isNullish(7) ? "" : a.str(7), a.isNullish(8) ? 0 : a.f64(8), optionalTensor(a, 9))));
  });
}

// conv2dBackpropInput(dy, filter, inShape NHWC[4], strides, pads, dilations, depthwise) → dx
ICH_FN(Conv2dBackpropInput) {
  ICH_BODY({
    auto s = a.ints(2);
    auto p = pads(a, 4);
    bool dw = a.boolean(6);
    int64_t n = s[0], h = s[1], w = s[2], c = s[3];
    const auto& f = a.tensor(1);
    if (isPointwise(f, dw, p, a.ints(3))) {
      // 1×1, stride 1: dx = dy · Wᵀ, [n·h·w, co] · [co, ci].
      const auto& dy = a.tensor(0);
      auto dx = matmul(dy.reshape({-1, dy.size(3)}), f.reshape({f.size(2), f.size(3)}), false, true);
      return num(env, put(dx.reshape({n, h, w, c})));
    }
    // The input's shape as ATen sees it: padded explicitly only when the padding is asymmetric.
    int64_t hp = p.symmetric() ? h : h + p.t + p.b, wp = p.symmetric() ? w : w + p.l + p.r;
    auto placeholder = at::empty({n, c, hp, wp}, a.tensor(0).options().memory_format(at::MemoryFormat::ChannelsLast));
    auto g = at::convolution_backward(toNchw(a.tensor(0)), placeholder, atenWeight(a.tensor(1), dw), c10::nullopt, a.ints(3), atenPadding(p), a.ints(5),
                                      false, {0, 0}, dw ? c : 1, {true, false, false});
    return num(env, put(toNhwc(unpad(std::get<0>(g), p, h, w))));
  });
}

// conv2dBackpropFilter(x, dy, filterShape[4], strides, pads, dilations, depthwise) → dfilter
ICH_FN(Conv2dBackpropFilter) {
  ICH_BODY({
    const auto& x = a.tensor(0);
    auto f = a.ints(2);
    auto p = pads(a, 4);
    bool dw = a.boolean(6);
    int64_t ci = x.size(3);
    auto shape = dw ? std::vector<int64_t>{f[2] * f[3], 1, f[0], f[1]} : std::vector<int64_t>{f[3], f[2], f[0], f[1]};
    auto strides = a.ints(3);
    if (!dw && f[0] == 1 && f[1] == 1 && p.t == 0 && p.b == 0 && p.l == 0 && p.r == 0) {
      // 1×1 filter: dW[ci, co] = Σ over n, y, x of x[n, s·y, s·x, ci] · dy[n, y, x, co], one GEMM.
      // (Also avoids a heap corruption in Debian libtorch 1.13's channels-last backward of strided 1×1 convs.)
      const auto& dy = a.tensor(1);
      auto xs = x.slice(1, 0, dy.size(1) * strides[0], strides[0]).slice(2, 0, dy.size(2) * strides[1], strides[1]);
      auto gw = matmul(xs.reshape({-1, ci}), dy.reshape({-1, dy.size(3)}), true, false);
      return num(env, put(gw.reshape({1, 1, ci, dy.size(3)})));
    }
    auto placeholder = at::empty(shape, x.options().memory_format(at::MemoryFormat::ChannelsLast));
    auto g = at::convolution_backward(toNchw(a.tensor(1)), padInput(x, p, 0), placeholder, c10::nullopt, strides, atenPadding(p), a.ints(5), false,
                                      {0, 0}, dw ? ci : 1, {false, true, false});
    return num(env, put(tfjsFilter(std::get<1>(g), dw, ci)));
  });
}

// maxPool(x, kernel[2], strides[2], pads[4])
ICH_FN(MaxPool) {
  ICH_BODY({
    auto p = pads(a, 3);
    auto xp = padInput(a.tensor(0), p, -std::numeric_limits<double>::infinity());
    return num(env, put(toNhwc(at::max_pool2d(xp, a.ints(1), a.ints(2), atenPadding(p), {1, 1}, false))));
  });
}

// maxPoolGrad(dy, x, kernel, strides, pads) → dx (the first maximum of each window gets the gradient, as in tfjs)
ICH_FN(MaxPoolGrad) {
  ICH_BODY({
    const auto& x = a.tensor(1);
    auto p = pads(a, 4);
    auto k = a.ints(2), s = a.ints(3);
    auto xp = padInput(x, p, -std::numeric_limits<double>::infinity());
    auto pad = atenPadding(p);
    auto idx = std::get<1>(at::max_pool2d_with_indices(xp, k, s, pad, {1, 1}, false));
    auto g = at::max_pool2d_with_indices_backward(toNchw(a.tensor(0)), xp, k, s, pad, {1, 1}, false, idx);
    return num(env, put(toNhwc(unpad(g, p, x.size(1), x.size(2)))));
  });
}

namespace {
/** Per-output-position fraction of each window inside the image (asymmetric 'same' average pooling). */
at::Tensor windowFill(int64_t h, int64_t w, const Pads& p, at::IntArrayRef k, at::IntArrayRef s, const at::TensorOptions& o) {
  auto ones = at::constant_pad_nd(at::ones({1, 1, h, w}, o), {p.l, p.r, p.t, p.b}, 0);
  return at::avg_pool2d(ones, k, s, {0, 0}, false, true);
}
}  // namespace

// avgPool(x, kernel, strides, pads): padding is excluded from the average (TensorFlow semantics).
ICH_FN(AvgPool) {
  ICH_BODY({
    const auto& x = a.tensor(0);
    auto p = pads(a, 3);
    auto k = a.ints(1), s = a.ints(2);
    if (p.symmetric()) return num(env, put(toNhwc(at::avg_pool2d(toNchw(x), k, s, {p.t, p.l}, false, false))));
    auto sum = at::avg_pool2d(padInput(x, p, 0), k, s, {0, 0}, false, true);
    return num(env, put(toNhwc(sum / windowFill(x.size(1), x.size(2), p, k, s, x.options()))));
  });
}

// avgPoolGrad(dy, x, kernel, strides, pads) → dx
ICH_FN(AvgPoolGrad) {
  ICH_BODY({
    const auto& x = a.tensor(1);
    auto dy = toNchw(a.tensor(0));
    auto p = pads(a, 4);
    auto k = a.ints(2), s = a.ints(3);
    if (p.symmetric()) return num(env, put(toNhwc(at::avg_pool2d_backward(dy, toNchw(x), k, s, {p.t, p.l}, false, false, c10::nullopt))));
    int64_t h = x.size(1), w = x.size(2);
    auto placeholder = at::empty({x.size(0), x.size(3), h + p.t + p.b, w + p.l + p.r}, x.options().memory_format(at::MemoryFormat::ChannelsLast));
    auto g = at::avg_pool2d_backward(dy / windowFill(h, w, p, k, s, x.options()), placeholder, k, s, {0, 0}, false, true, c10::nullopt);
    return num(env, put(toNhwc(unpad(g, p, h, w))));
  });
}

// batchNorm(x, mean, variance, offset?, scale?, epsilon): (x − mean) / √(var + ε) · scale + offset
ICH_FN(BatchNorm) {
  ICH_BODY({
    const auto& x = a.tensor(0);
    auto mean = a.tensor(1), var = a.tensor(2);
    auto offset = optionalTensor(a, 3), scale = optionalTensor(a, 4);
    double eps = a.f64(5);
    int64_t c = x.size(-1);
    auto perChannel = [c](const at::Tensor& t) { return !t.defined() || t.numel() == c; };
    if (x.dim() == 4 && perChannel(mean) && perChannel(var) && perChannel(offset) && perChannel(scale)) {
      auto flat = [](const at::Tensor& t) { return t.defined() ? t.reshape({-1}) : t; };
      auto y = at::batch_norm(toNchw(x), flat(scale), flat(offset), flat(mean), flat(var), false, 0.0, eps, false);
      return num(env, put(toNhwc(y)));
    }
    auto y = (x - mean) * (var + eps).rsqrt();
    if (scale.defined()) y = y * scale;
    if (offset.defined()) y = y + offset;
    return num(env, put(y));
  });
}

// batchNormGrad(dy, x, mean, variance, scale?, epsilon) → [dx, dmean, dvariance, dscale, doffset]: the five
// partial derivatives tfjs' FusedBatchNorm gradient defines (mean and variance as independent inputs),
// per channel, from one native_batch_norm_backward pass (dx, Σ dy·(x − mean)·rstd, Σ dy) instead of
// ~10 whole-activation element-wise ops:
//   dx = dy·rstd·scale, doffset = Σ dy, dscale = rstd·Σ dy·(x − mean),
//   dmean = −rstd·scale·Σ dy, dvariance = −½·rstd²·scale·dscale   (rstd = 1/√(variance + ε)).
ICH_FN(BatchNormGrad) {
  ICH_BODY({
    const auto& dy = a.tensor(0);
    const auto& x = a.tensor(1);
    auto mean = a.tensor(2).reshape({-1}), var = a.tensor(3).reshape({-1});
    auto scale = a.isNullish(4) ? at::ones_like(mean) : a.tensor(4).reshape({-1});
    double eps = a.f64(5);
    auto g = at::native_batch_norm_backward(toNchw(dy), toNchw(x), scale, mean, var, c10::nullopt, c10::nullopt, false, eps, {true, true, true});
    auto rstd = (var + eps).rsqrt();
    const auto& dscale = std::get<1>(g);
    const auto& doffset = std::get<2>(g);
    auto dmean = -rstd * scale * doffset;
    auto dvar = -0.5 * rstd * rstd * scale * dscale;
    return handles(env, {toNhwc(std::get<0>(g)), dmean, dvar, dscale, doffset});
  });
}

namespace {
/** Batched a·b (rank ≥ 2, tfjs batch broadcasting); oneDNN's sgemm for float32 on the CPU. */
at::Tensor matmul(const at::Tensor& a, const at::Tensor& b, bool ta, bool tb) {
  if (a.dim() == 2 && b.dim() == 2) return matmul(a.unsqueeze(0), b.unsqueeze(0), ta, tb).squeeze(0);
#ifdef ICH_HAVE_DNNL
  if (a.dim() == 3 && b.dim() == 3 && a.is_cpu() && a.scalar_type() == at::kFloat && b.scalar_type() == at::kFloat &&
      (a.size(0) == b.size(0) || a.size(0) == 1 || b.size(0) == 1)) {
    int64_t batch = std::max(a.size(0), b.size(0));
    int64_t m = ta ? a.size(2) : a.size(1), k = ta ? a.size(1) : a.size(2);
    int64_t n = tb ? b.size(1) : b.size(2);
    if ((tb ? b.size(2) : b.size(1)) != k) throw std::runtime_error("matmul: inner dimensions differ");
    auto ac = a.contiguous(), bc = b.contiguous();
    auto c = at::empty({batch, m, n}, a.options());
    const float* pa = ac.data_ptr<float>();
    const float* pb = bc.data_ptr<float>();
    float* pc = c.data_ptr<float>();
    for (int64_t i = 0; i < batch; i++) {
      const float* ai = pa + (a.size(0) == 1 ? 0 : i * m * k);
      const float* bi = pb + (b.size(0) == 1 ? 0 : i * k * n);
      int status = dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, 1.0f, ai, ta ? m : k, bi, tb ? k : n, 0.0f, pc + i * m * n, n);
      if (status != 0) throw std::runtime_error("dnnl_sgemm failed with status " + std::to_string(status));
    }
    return c;
  }
#endif
  return at::matmul(ta ? a.transpose(-2, -1) : a, tb ? b.transpose(-2, -1) : b);
}
}  // namespace

// matMul(a, b, transposeA, transposeB, bias?, activation?, alpha, prelu?) — BatchMatMul and _FusedMatMul
ICH_FN(MatMul) {
  ICH_BODY({
    auto y = matmul(a.tensor(0), a.tensor(1), a.boolean(2), a.boolean(3));
    auto bias = optionalTensor(a, 4);
    if (bias.defined()) y.add_(bias);
    return num(env, put(activate(y, a.isNullish(5) ? "" : a.str(5), a.isNullish(6) ? 0 : a.f64(6), optionalTensor(a, 7))));
  });
}

// softmax(x, dim)
ICH_FN(Softmax) {
  ICH_BODY({ return num(env, put(at::softmax(a.tensor(0), a.i32(1)))); });
}

void registerNn(napi_env env, napi_value exports) {
  define(env, exports, "conv2d", Conv2d);
  define(env, exports, "conv2dBackpropInput", Conv2dBackpropInput);
  define(env, exports, "conv2dBackpropFilter", Conv2dBackpropFilter);
  define(env, exports, "maxPool", MaxPool);
  define(env, exports, "maxPoolGrad", MaxPoolGrad);
  define(env, exports, "avgPool", AvgPool);
  define(env, exports, "avgPoolGrad", AvgPoolGrad);
  define(env, exports, "batchNorm", BatchNorm);
  define(env, exports, "batchNormGrad", BatchNormGrad);
  define(env, exports, "matMul", MatMul);
  define(env, exports, "softmax", Softmax);
}

}  // namespace ich
