// Adam's update of one variable in one pass (tfjs' AdamOptimizer runs ~14 kernels for it); see
// torch-fused-adam.ts. Built with -O3 -fno-math-errno (scripts/build-torch-addon.mjs) so that the
// element loop vectorises.
#include "addon.h"
#include <ATen/Parallel.h>
#include <cmath>

namespace ich {

namespace {

// The element loop, compiled for AVX2 as well as the baseline (picked at load time by the CPU). It
// must vectorise, which GCC 12 does only with this file's -O3 -fno-math-errno (build script; the
// optimize attribute and pragma do not) and restrict pointers (the outputs are fresh tensors):
// scalar, with a sqrtf call per element, it cost 207 ms per InceptionV3 step on 2 threads against
// PyTorch's 58 ms for its whole Adam step.
__attribute__((target_clones("avx2", "default")))
void adamLoop(const float* __restrict w, const float* __restrict g, const float* __restrict m, const float* __restrict v, float* __restrict w2,
              float* __restrict m2, float* __restrict v2, int64_t n, float b1, float b2, float c1, float c2, float eps, float lr) {
  const float ob1 = 1 - b1, ob2 = 1 - b2, nlr = -lr;
  for (int64_t i = 0; i < n; i++) {
    float gi = g[i];
    float mi = m[i] * b1 + gi * ob1;
    float vi = v[i] * b2 + gi * gi * ob2;
    m2[i] = mi;
    v2[i] = vi;
    w2[i] = (mi / c1) / (__builtin_sqrtf(vi / c2) + eps) * nlr + w[i];  // builtin: std::sqrt is not inlined into the clones
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
    const float *pw = w.data_ptr<float>(), *pg = g.data_ptr<float>(), *pm = m.data_ptr<float>(), *pv = v.data_ptr<float>();
    float *qw = w2.data_ptr<float>(), *qm = m2.data_ptr<float>(), *qv = v2.data_ptr<float>();
    const float lr = static_cast<float>(a.f64(4)), b1 = static_cast<float>(a.f64(5)), b2 = static_cast<float>(a.f64(6)), eps = static_cast<float>(a.f64(7));
    const float c1 = static_cast<float>(1 - a.f64(8)), c2 = static_cast<float>(1 - a.f64(9));
    // 32 Ki elements a chunk: small variables (batch-norm vectors) stay on one thread.
    at::parallel_for(0, w.numel(), 1 << 15, [&](int64_t lo, int64_t hi) {
      adamLoop(pw + lo, pg + lo, pm + lo, pv + lo, qw + lo, qm + lo, qv + lo, hi - lo, b1, b2, c1, c2, eps, lr);
    });
    return handles(env, {w2.view(a.tensor(0).sizes()), m2.view(a.tensor(2).sizes()), v2.view(a.tensor(3).sizes())});
  });
}

void registerAdam(napi_env env, napi_value exports) { define(env, exports, "adam", Adam); }

}  // namespace ich
