// Fused training kernels: where tfjs runs a chain of whole-tensor kernels (each one a JS → N-API →
// ATen round trip of ~100 µs plus a full pass over memory), PyTorch runs one op. These give the
// torch backend the same single op:
//  - batchNormTrain / batchNormTrainGrad: a BatchNormalization layer in training (tfjs: moments =
//    Mean, Sub, Square, Mean; FusedBatchNorm; moving averages = 2 × (Sub, Mul, Sub); and in the
//    gradient the moments' chain again) as ATen's native_batch_norm(training) and its backward;
//  - reluGrad: dy · step(y) as ATen's threshold_backward (one pass instead of Step + Multiply);
//  - adam: tfjs' Adam update of one variable (~14 kernels) as one pass over the elements.
#include "addon.h"
#include <ATen/Parallel.h>
#include <cmath>

namespace ich {

// batchNormTrain(x NHWC, scale[C], offset[C], movingMean[C], movingVariance[C], epsilon, momentum)
//   → [y, mean, variance, newMovingMean, newMovingVariance]
// mean and variance are the batch moments over N, H, W (variance biased, as tf.moments gives);
// y = (x − mean)/√(variance + ε)·scale + offset; new moving value = old − (old − batch)·(1 − momentum),
// tfjs-layers' doMovingAverage.
ICH_FN(BatchNormTrain) {
  ICH_BODY({
    const auto& x = a.tensor(0);
    auto scale = a.tensor(1).reshape({-1}), offset = a.tensor(2).reshape({-1});
    auto mm = a.tensor(3).reshape({-1}), mv = a.tensor(4).reshape({-1});
    double eps = a.f64(5), momentum = a.f64(6);
    auto r = at::native_batch_norm(toNchw(x), scale, offset, c10::nullopt, c10::nullopt, true, 0.0, eps);
    const auto& mean = std::get<1>(r);
    // ATen keeps 1/√(var + ε); tfjs wants the variance itself.
    auto invstd = std::get<2>(r);
    auto var = invstd.square().reciprocal().sub_(eps);
    double decay = 1 - momentum;
    auto newMean = mm - (mm - mean) * decay;
    auto newVar = mv - (mv - var) * decay;
    return handles(env, {toNhwc(std::get<0>(r)), mean, var, newMean, newVar});
  });
}

// batchNormTrainGrad(dy NHWC, x NHWC, scale[C], mean[C], variance[C], epsilon) → [dx, dscale, doffset]:
// the gradient through the batch moments too (what tfjs composes from FusedBatchNorm's gradient,
// Mean's, Square's and Sub's), from one native_batch_norm_backward in training mode.
ICH_FN(BatchNormTrainGrad) {
  ICH_BODY({
    const auto& dy = a.tensor(0);
    const auto& x = a.tensor(1);
    auto scale = a.tensor(2).reshape({-1}), mean = a.tensor(3).reshape({-1}), var = a.tensor(4).reshape({-1});
    double eps = a.f64(5);
    auto invstd = (var + eps).rsqrt();
    auto g = at::native_batch_norm_backward(toNchw(dy), toNchw(x), scale, c10::nullopt, c10::nullopt, mean, invstd, true, eps, {true, true, true});
    return handles(env, {toNhwc(std::get<0>(g)), std::get<1>(g), std::get<2>(g)});
  });
}

// reluGrad(dy, y) → dy where y > 0, else 0 (tfjs: dy · step(x); y > 0 exactly where x > 0).
ICH_FN(ReluGrad) {
  ICH_BODY({ return num(env, put(at::threshold_backward(a.tensor(0), a.tensor(1), 0))); });
}

namespace {
struct AdamArgs {
  const float *w, *g, *m, *v;
  float *w2, *m2, *v2;
  float lr, b1, b2, eps, c1, c2;
};

// The element loop, compiled for AVX2 as well as the baseline (picked at load time by the CPU) and
// without errno for sqrt so that it vectorises: scalar it cost ~2× PyTorch's vectorised Adam.
__attribute__((target_clones("avx2", "default"), optimize("O3", "no-math-errno")))
void adamLoop(const AdamArgs& p, int64_t lo, int64_t hi) {
  const float b1 = p.b1, b2 = p.b2, ob1 = 1 - p.b1, ob2 = 1 - p.b2, c1 = p.c1, c2 = p.c2, eps = p.eps, nlr = -p.lr;
  for (int64_t i = lo; i < hi; i++) {
    float gi = p.g[i];
    float mi = p.m[i] * b1 + gi * ob1;
    float vi = p.v[i] * b2 + gi * gi * ob2;
    p.m2[i] = mi;
    p.v2[i] = vi;
    p.w2[i] = (mi / c1) / (std::sqrt(vi / c2) + eps) * nlr + p.w[i];
  }
}
}  // namespace

// adam(variable, gradient, m, v, lr, beta1, beta2, epsilon, beta1^t, beta2^t) → [variable′, m′, v′]
// In tfjs' order of operations (AdamOptimizer.applyGradients):
//   m′ = β1·m + (1 − β1)·g,  v′ = β2·v + (1 − β2)·g²,
//   variable′ = (m′/(1 − β1ᵗ)) / (√(v′/(1 − β2ᵗ)) + ε) · (−lr) + variable
// one pass over the elements, threads over chunks.
ICH_FN(Adam) {
  ICH_BODY({
    auto w = a.tensor(0).contiguous(), g = a.tensor(1).contiguous(), m = a.tensor(2).contiguous(), v = a.tensor(3).contiguous();
    if (w.scalar_type() != at::kFloat || g.scalar_type() != at::kFloat || g.numel() != w.numel() || m.numel() != w.numel() || v.numel() != w.numel())
      throw std::runtime_error("adam: variable, gradient and moments must be float32 of one size");
    auto w2 = at::empty_like(w), m2 = at::empty_like(m), v2 = at::empty_like(v);
    AdamArgs p{w.data_ptr<float>(), g.data_ptr<float>(), m.data_ptr<float>(), v.data_ptr<float>(), w2.data_ptr<float>(), m2.data_ptr<float>(), v2.data_ptr<float>(),
               static_cast<float>(a.f64(4)), static_cast<float>(a.f64(5)), static_cast<float>(a.f64(6)), static_cast<float>(a.f64(7)),
               static_cast<float>(1 - a.f64(8)), static_cast<float>(1 - a.f64(9))};
    // 32 Ki elements a chunk: small variables (batch-norm vectors) stay on one thread.
    at::parallel_for(0, w.numel(), 1 << 15, [&](int64_t lo, int64_t hi) { adamLoop(p, lo, hi); });
    return handles(env, {w2.view(a.tensor(0).sizes()), m2.view(a.tensor(2).sizes()), v2.view(a.tensor(3).sizes())});
  });
}

void registerFused(napi_env env, napi_value exports) {
  define(env, exports, "batchNormTrain", BatchNormTrain);
  define(env, exports, "batchNormTrainGrad", BatchNormTrainGrad);
  define(env, exports, "reluGrad", ReluGrad);
  define(env, exports, "adam", Adam);
}

}  // namespace ich
