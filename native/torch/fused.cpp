// Fused training kernels: where tfjs runs a chain of whole-tensor kernels (each one a JS → N-API →
// ATen round trip of ~100 µs plus a full pass over memory), PyTorch runs one op. These give the
// torch backend the same single op:
//  - batchNormTrain / batchNormTrainGrad: a BatchNormalization layer in training (tfjs: moments =
//    Mean, Sub, Square, Mean; FusedBatchNorm; moving averages = 2 × (Sub, Mul, Sub); and in the
//    gradient the moments' chain again) as ATen's native_batch_norm(training) and its backward;
//  - reluGrad: dy · step(y) as ATen's threshold_backward (one pass instead of Step + Multiply);
//  - adam (adam.cpp): tfjs' Adam update of one variable (~14 kernels) as one pass over the elements.
#include "addon.h"

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

void registerFused(napi_env env, napi_value exports) {
  define(env, exports, "batchNormTrain", BatchNormTrain);
  define(env, exports, "batchNormTrainGrad", BatchNormTrainGrad);
  define(env, exports, "reluGrad", ReluGrad);
}

}  // namespace ich
