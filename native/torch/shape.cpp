// Layout kernels: reshape, transpose, slice, concat/stack/split, pad, tile, gather. Results are
// stored contiguous (a reshape of a contiguous tensor is a view and costs nothing).
#include "addon.h"

namespace ich {

ICH_FN(Reshape) {
  ICH_BODY({ return num(env, put(a.tensor(0).reshape(a.ints(1)))); });
}

ICH_FN(Transpose) {
  ICH_BODY({ return num(env, put(a.tensor(0).permute(a.ints(1)))); });
}

// slice(x, begin[], size[]) with sizes already resolved (no -1)
ICH_FN(Slice) {
  ICH_BODY({
    at::Tensor t = a.tensor(0);
    auto begin = a.ints(1), size = a.ints(2);
    for (size_t d = 0; d < begin.size(); d++) t = t.narrow(static_cast<int64_t>(d), begin[d], size[d]);
    return num(env, put(t));
  });
}

// stridedSlice(x, begin[], end[], strides[]) with tfjs' masks already resolved to positive strides
// and in-range bounds; negative strides are flipped.
ICH_FN(StridedSlice) {
  ICH_BODY({
    at::Tensor t = a.tensor(0);
    auto begin = a.ints(1), end = a.ints(2), strides = a.ints(3);
    for (size_t d = 0; d < begin.size(); d++) {
      int64_t b = begin[d], e = end[d], s = strides[d];
      if (s > 0) {
        t = t.slice(static_cast<int64_t>(d), b, std::max(b, e), s);
      } else {
        // elements b, b+s, … > e  ==  flip of the ascending run
        int64_t n = b > e ? (b - e - 1) / (-s) + 1 : 0;
        int64_t lo = b - (n - 1) * (-s);
        t = n > 0 ? t.slice(static_cast<int64_t>(d), lo, b + 1, -s).flip({static_cast<int64_t>(d)}) : t.slice(static_cast<int64_t>(d), 0, 0);
      }
    }
    return num(env, put(t));
  });
}

ICH_FN(Concat) {
  ICH_BODY({ return num(env, put(at::cat(a.tensors(0), a.i32(1)))); });
}

ICH_FN(Stack) {
  ICH_BODY({ return num(env, put(at::stack(a.tensors(0), a.i32(1)))); });
}

ICH_FN(Unstack) {
  ICH_BODY({ return handles(env, a.tensor(0).unbind(a.i32(1))); });
}

// split(x, sizes[], axis) → handles
ICH_FN(Split) {
  ICH_BODY({ return handles(env, a.tensor(0).split_with_sizes(a.ints(1), a.i32(2))); });
}

// pad(x, paddings [before0, after0, before1, after1, …] in tfjs axis order, value)
ICH_FN(Pad) {
  ICH_BODY({
    auto p = a.ints(1);
    std::vector<int64_t> rev;  // ATen: last axis first
    for (size_t d = p.size() / 2; d-- > 0;) {
      rev.push_back(p[2 * d]);
      rev.push_back(p[2 * d + 1]);
    }
    return num(env, put(at::constant_pad_nd(a.tensor(0), rev, a.f64(2))));
  });
}

ICH_FN(Tile) {
  ICH_BODY({ return num(env, put(a.tensor(0).repeat(a.ints(1)))); });
}

// gather(x, indices, axis): tfjs GatherV2 with batchDims 0.
ICH_FN(Gather) {
  ICH_BODY({
    const auto& x = a.tensor(0);
    const auto& idx = a.tensor(1);
    int64_t axis = a.i32(2);
    auto flat = x.index_select(axis, idx.reshape({-1}).to(at::kLong));
    std::vector<int64_t> shape(x.sizes().begin(), x.sizes().begin() + axis);
    for (auto s : idx.sizes()) shape.push_back(s);
    for (int64_t d = axis + 1; d < x.dim(); d++) shape.push_back(x.size(d));
    return num(env, put(flat.reshape(shape)));
  });
}

// unsortedSegmentSum(x, segmentIds, numSegments): out[s] = Σ of x rows whose id is s (ids cover x's leading axes)
ICH_FN(UnsortedSegmentSum) {
  ICH_BODY({
    const auto& x = a.tensor(0);
    auto ids = a.tensor(1).reshape({-1}).to(at::kLong);
    std::vector<int64_t> rest(x.sizes().begin() + a.tensor(1).dim(), x.sizes().end());
    std::vector<int64_t> rows{ids.size(0)};
    rows.insert(rows.end(), rest.begin(), rest.end());
    std::vector<int64_t> shape{static_cast<int64_t>(a.i32(2))};
    shape.insert(shape.end(), rest.begin(), rest.end());
    auto valid = ids.ge(0);
    auto out = at::zeros(shape, x.options());
    out.index_add_(0, ids.masked_select(valid), x.reshape(rows).index({valid}));
    return num(env, put(out));
  });
}

// reverse(x, axes)
ICH_FN(Reverse) {
  ICH_BODY({ return num(env, put(a.tensor(0).flip(a.ints(1)))); });
}

// oneHot(indices, depth, on, off) → float32
ICH_FN(OneHot) {
  ICH_BODY({
    auto idx = a.tensor(0).to(at::kLong);
    int64_t depth = a.i32(1);
    double on = a.f64(2), off = a.f64(3);
    auto valid = (idx >= 0) & (idx < depth);
    auto oh = at::one_hot(at::where(valid, idx, at::zeros_like(idx)), depth).to(at::kFloat) * valid.unsqueeze(-1);
    return num(env, put(oh * (on - off) + off));
  });
}

void registerShape(napi_env env, napi_value exports) {
  define(env, exports, "reshape", Reshape);
  define(env, exports, "transpose", Transpose);
  define(env, exports, "slice", Slice);
  define(env, exports, "stridedSlice", StridedSlice);
  define(env, exports, "concat", Concat);
  define(env, exports, "stack", Stack);
  define(env, exports, "unstack", Unstack);
  define(env, exports, "split", Split);
  define(env, exports, "pad", Pad);
  define(env, exports, "tile", Tile);
  define(env, exports, "gather", Gather);
  define(env, exports, "reverse", Reverse);
  define(env, exports, "unsortedSegmentSum", UnsortedSegmentSum);
  define(env, exports, "oneHot", OneHot);
}

}  // namespace ich
