#!/usr/bin/env python3
"""PyTorch's own per-op profile of one InceptionV3 training step (bench/pytorch_train.py's model, Adam,
BCE), to set against bench/torch-profile.bench.ts op by op. Prints the step wall time and the
torch.autograd.profiler table (self CPU time per ATen op, ms per step).

usage: OMP_NUM_THREADS=1 /usr/bin/python3 bench/pytorch_profile.py [--size 256] [--batch 8] [--threads 1] [--infer] [--top 40]
"""
import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_train import InceptionV3, make_step  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--size', type=int, default=256)
    p.add_argument('--batch', type=int, default=8)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--top', type=int, default=40)
    p.add_argument('--infer', action='store_true')
    a = p.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(a.threads)
    model = InceptionV3()
    x = torch.rand(a.batch, 3, a.size, a.size)
    y = (torch.rand(a.batch, 6) < 0.2).float()
    opt = torch.optim.Adam(model.parameters(), 1e-4)

    step = make_step(model, x, y, opt, a.infer)
    step()
    t0 = time.perf_counter()
    step()
    plain = time.perf_counter() - t0
    with torch.autograd.profiler.profile() as prof:
        t0 = time.perf_counter()
        step()
        profiled = time.perf_counter() - t0
    print(prof.key_averages().table(sort_by='self_cpu_time_total', row_limit=a.top))
    print(f'step wall {plain * 1000:.0f} ms unprofiled, {profiled * 1000:.0f} ms profiled; load {os.getloadavg()}')


if __name__ == '__main__':
    main()
