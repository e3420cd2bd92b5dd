// Element-wise kernels (unary, broadcasting binary, comparisons), reductions, casts and fills.
// tfjs decides the output dtype; the caller passes it and the result is cast to it (ATen's own
// promotion differs, e.g. int32 sums are int64 in ATen).
#include "addon.h"
#include <functional>
#include <limits>
#include <unordered_map>
#include <ATen/Parallel.h>

namespace ich {

using Unary = std::function<at::Tensor(const at::Tensor&, double, double)>;
using Binary = std::function<at::Tensor(const at::Tensor&, const at::Tensor&)>;

static at::Tensor flt(const at::Tensor& x) { return x.is_floating_point() ? x : x.to(at::kFloat); }

static const std::unordered_map<std::string, Unary>& unaries() {
  static const std::unordered_map<std::string, Unary> m = {
      {"Abs", [](const at::Tensor& x, double, double) { return x.abs(); }},
      {"Acos", [](const at::Tensor& x, double, double) { return flt(x).acos(); }},
      {"Asin", [](const at::Tensor& x, double, double) { return flt(x).asin(); }},
      {"Atan", [](const at::Tensor& x, double, double) { return flt(x).atan(); }},
      {"Ceil", [](const at::Tensor& x, double, double) { return x.is_floating_point() ? x.ceil() : x; }},
      {"Cos", [](const at::Tensor& x, double, double) { return flt(x).cos(); }},
      {"Cosh", [](const at::Tensor& x, double, double) { return flt(x).cosh(); }},
      {"Elu", [](const at::Tensor& x, double, double) { return at::elu(flt(x)); }},
      {"Erf", [](const at::Tensor& x, double, double) { return flt(x).erf(); }},
      {"Exp", [](const at::Tensor& x, double, double) { return flt(x).exp(); }},
      {"Expm1", [](const at::Tensor& x, double, double) { return flt(x).expm1(); }},
      {"Floor", [](const at::Tensor& x, double, double) { return x.is_floating_point() ? x.floor() : x; }},
      {"Identity", [](const at::Tensor& x, double, double) { return x; }},
      {"IsNan", [](const at::Tensor& x, double, double) { return x.isnan(); }},
      {"IsInf", [](const at::Tensor& x, double, double) { return x.isinf(); }},
      {"Log", [](const at::Tensor& x, double, double) { return flt(x).log(); }},
      {"Log1p", [](const at::Tensor& x, double, double) { return flt(x).log1p(); }},
      {"LogicalNot", [](const at::Tensor& x, double, double) { return x.logical_not(); }},
      {"Neg", [](const at::Tensor& x, double, double) { return x.neg(); }},
      {"Reciprocal", [](const at::Tensor& x, double, double) { return flt(x).reciprocal(); }},
      {"Relu", [](const at::Tensor& x, double, double) { return x.relu(); }},
      {"Relu6", [](const at::Tensor& x, double, double) { return x.clamp(0, 6); }},
      {"Round", [](const at::Tensor& x, double, double) { return x.is_floating_point() ? x.round() : x; }},
      {"Rsqrt", [](const at::Tensor& x, double, double) { return flt(x).rsqrt(); }},
      {"Selu", [](const at::Tensor& x, double, double) { return at::selu(flt(x)); }},
      {"Sigmoid", [](const at::Tensor& x, double, double) { return flt(x).sigmoid(); }},
      {"Sign", [](const at::Tensor& x, double, double) { return x.sign(); }},
      {"Sin", [](const at::Tensor& x, double, double) { return flt(x).sin(); }},
      {"Sinh", [](const at::Tensor& x, double, double) { return flt(x).sinh(); }},
      // tfjs softplus: log(1 + e^x), computed stably.
      {"Softplus", [](const at::Tensor& x, double, double) { return at::softplus(flt(x)); }},
      {"Sqrt", [](const at::Tensor& x, double, double) { return flt(x).sqrt(); }},
      {"Square", [](const at::Tensor& x, double, double) { return x * x; }},
      {"Tan", [](const at::Tensor& x, double, double) { return flt(x).tan(); }},
      {"Tanh", [](const at::Tensor& x, double, double) { return flt(x).tanh(); }},
      // tfjs Step: 1 where x > 0, alpha elsewhere, NaN stays NaN. One pass (the ReLU gradient uses it on
      // every activation; the where/isnan formulation took five).
      {"Step", [](const at::Tensor& x, double alpha, double) {
         auto f = flt(x).contiguous();
         auto out = at::empty_like(f);
         const float* src = f.data_ptr<float>();
         float* dst = out.data_ptr<float>();
         float a = static_cast<float>(alpha);
         at::parallel_for(0, f.numel(), 1 << 16, [&](int64_t b, int64_t e) {
           for (int64_t i = b; i < e; i++) {
             float v = src[i];
             dst[i] = v > 0 ? 1.0f : (v != v ? v : a);
           }
         });
         return out;
       }},
      {"LeakyRelu", [](const at::Tensor& x, double alpha, double) { return at::where(x < 0, x * alpha, x); }},
      {"ClipByValue", [](const at::Tensor& x, double lo, double hi) { return x.clamp(lo, hi); }},
      {"ZerosLike", [](const at::Tensor& x, double, double) { return at::zeros_like(x); }},
      {"OnesLike", [](const at::Tensor& x, double, double) { return at::ones_like(x); }},
  };
  return m;
}

static const std::unordered_map<std::string, Binary>& binaries() {
  static const std::unordered_map<std::string, Binary> m = {
      {"Add", [](const at::Tensor& a, const at::Tensor& b) { return a + b; }},
      {"Sub", [](const at::Tensor& a, const at::Tensor& b) { return a - b; }},
      {"Multiply", [](const at::Tensor& a, const at::Tensor& b) { return a * b; }},
      {"RealDiv", [](const at::Tensor& a, const at::Tensor& b) { return at::div(flt(a), b); }},
      {"FloorDiv", [](const at::Tensor& a, const at::Tensor& b) { return at::div(a, b, "floor"); }},
      {"Maximum", [](const at::Tensor& a, const at::Tensor& b) { return at::maximum(a, b); }},
      {"Minimum", [](const at::Tensor& a, const at::Tensor& b) { return at::minimum(a, b); }},
      {"Pow", [](const at::Tensor& a, const at::Tensor& b) { return at::pow(a, b); }},
      {"Mod", [](const at::Tensor& a, const at::Tensor& b) { return at::remainder(a, b); }},
      {"Atan2", [](const at::Tensor& a, const at::Tensor& b) { return at::atan2(flt(a), flt(b)); }},
      {"SquaredDifference", [](const at::Tensor& a, const at::Tensor& b) { auto d = a - b; return d * d; }},
      {"Equal", [](const at::Tensor& a, const at::Tensor& b) { return at::eq(a, b); }},
      {"NotEqual", [](const at::Tensor& a, const at::Tensor& b) { return at::ne(a, b); }},
      {"Greater", [](const at::Tensor& a, const at::Tensor& b) { return at::gt(a, b); }},
      {"GreaterEqual", [](const at::Tensor& a, const at::Tensor& b) { return at::ge(a, b); }},
      {"Less", [](const at::Tensor& a, const at::Tensor& b) { return at::lt(a, b); }},
      {"LessEqual", [](const at::Tensor& a, const at::Tensor& b) { return at::le(a, b); }},
      {"LogicalAnd", [](const at::Tensor& a, const at::Tensor& b) { return at::logical_and(a, b); }},
      {"LogicalOr", [](const at::Tensor& a, const at::Tensor& b) { return at::logical_or(a, b); }},
      // EluGrad(dy, y): dy where y ≥ 0, dy · (y + 1) where y < 0 (y = elu(x)).
      {"EluGrad", [](const at::Tensor& dy, const at::Tensor& y) { return at::where(y < 0, dy * (y + 1), dy); }},
      {"Prelu", [](const at::Tensor& x, const at::Tensor& alpha) { return at::where(x < 0, x * alpha, x); }},
  };
  return m;
}

// unary(name, x, outDtype, p1, p2) → handle
ICH_FN(UnaryOp) {
  ICH_BODY({
    auto name = a.str(0);
    auto it = unaries().find(name);
    if (it == unaries().end()) throw std::runtime_error("torch addon has no unary kernel " + name);
    double p1 = a.isNullish(3) ? 0 : a.f64(3), p2 = a.isNullish(4) ? 0 : a.f64(4);
    return out(env, it->second(a.tensor(1), p1, p2), a.i32(2));
  });
}

// binary(name, a, b, outDtype) → handle; numpy broadcasting, as in tfjs.
ICH_FN(BinaryOp) {
  ICH_BODY({
    auto name = a.str(0);
    auto it = binaries().find(name);
    if (it == binaries().end()) throw std::runtime_error("torch addon has no binary kernel " + name);
    int dtype = a.i32(3);
    auto st = scalarType(dtype);
    // Arithmetic runs in the output dtype (tfjs upcasts its inputs); comparisons return bool.
    if (st == at::kBool) return out(env, it->second(a.tensor(1), a.tensor(2)), dtype);
    const auto& x = a.tensor(1);
    const auto& y = a.tensor(2);
    return out(env, it->second(x.scalar_type() == st ? x : x.to(st), y.scalar_type() == st ? y : y.to(st)), dtype);
  });
}

// reduce(name, x, axes, keepDims, outDtype) → handle. Empty axes: no reduction (a copy).
ICH_FN(ReduceOp) {
  ICH_BODY({
    auto name = a.str(0);
    const auto& x = a.tensor(1);
    auto axes = a.ints(2);
    bool keep = a.boolean(3);
    int dtype = a.i32(4);
    if (axes.empty() && name != "ArgMax" && name != "ArgMin") return out(env, x.clone(), dtype);
    at::Tensor r;
    if (name == "Sum") r = x.sum(axes, keep);
    else if (name == "Mean") r = flt(x).mean(axes, keep);
    else if (name == "Max") r = x.amax(axes, keep);
    else if (name == "Min") r = x.amin(axes, keep);
    else if (name == "All" || name == "Any" || name == "Prod") {
      r = name == "Prod" ? x : x.to(at::kBool);
      std::vector<int64_t> sorted(axes);
      std::sort(sorted.rbegin(), sorted.rend());  // reduce from the last axis so indices stay valid
      for (int64_t ax : sorted) r = name == "Prod" ? r.prod(ax, keep) : name == "All" ? r.all(ax, keep) : r.any(ax, keep);
    } else if (name == "ArgMax") r = x.argmax(axes.at(0), keep);
    else if (name == "ArgMin") r = x.argmin(axes.at(0), keep);
    else throw std::runtime_error("torch addon has no reduction " + name);
    return out(env, r, dtype);
  });
}

ICH_FN(Cast) {
  ICH_BODY({ return out(env, a.tensor(0), a.i32(1)); });
}

// fill(shape, value, dtype) → handle
ICH_FN(Fill) {
  ICH_BODY({ return num(env, put(at::full(a.ints(0), a.f64(1), optionsFor(a.i32(2))))); });
}

// range(start, stop, step, dtype) → handle (tfjs Range: [start, stop) by step)
ICH_FN(Range) {
  ICH_BODY({ return num(env, put(at::arange(a.f64(0), a.f64(1), a.f64(2), optionsFor(0)).to(scalarType(a.i32(3))))); });
}

// select(condition, t, e, outDtype): tfjs Select; a rank-1 condition selects along the first axis.
ICH_FN(Select) {
  ICH_BODY({
    auto c = a.tensor(0).to(at::kBool);
    const auto& t = a.tensor(1);
    if (c.dim() == 1 && t.dim() > 1) {
      std::vector<int64_t> s(t.dim(), 1);
      s[0] = c.size(0);
      c = c.view(s);
    }
    return out(env, at::where(c, t, a.tensor(2)), a.i32(3));
  });
}

// addN(handles, outDtype)
ICH_FN(AddN) {
  ICH_BODY({
    auto ts = a.tensors(0);
    if (ts.empty()) throw std::runtime_error("AddN of no tensors");
    at::Tensor s = ts[0].clone();
    for (size_t i = 1; i < ts.size(); i++) s.add_(ts[i]);
    return out(env, s, a.i32(1));
  });
}

void registerElementwise(napi_env env, napi_value exports) {
  define(env, exports, "unary", UnaryOp);
  define(env, exports, "binary", BinaryOp);
  define(env, exports, "reduce", ReduceOp);
  define(env, exports, "cast", Cast);
  define(env, exports, "fill", Fill);
  define(env, exports, "range", Range);
  define(env, exports, "select", Select);
  define(env, exports, "addN", AddN);
}

}  // namespace ich
