#!/usr/bin/env python3
"""PyTorch side of bench/torch-vs-pytorch.bench.ts: training (and inference) throughput of the zoo's
simple-cnn and InceptionV3 written in PyTorch, on the same machine, random data, Adam(1e-4), every
layer trainable, BCE on six sigmoid outputs. Prints one JSON line.

InceptionV3 follows the Keras/tfjs graph ichscan trains (nsfwjs' trunk: 'valid' stem, BN eps 1e-3,
average pooling that excludes padding, no auxiliary head) -> global average pooling -> dropout ->
Dense(6). Weights are random (speed does not depend on them). Needs only python3-torch (Debian).

usage: pytorch_train.py --model inceptionv3|simple-cnn --size 256 --batch 8 --steps 5 --threads 2
       [--channels-last] [--infer]
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvBn(nn.Sequential):
    def __init__(self, cin, cout, k, s=1, pad='same'):
        kh, kw = (k, k) if isinstance(k, int) else k
        padding = (kh // 2, kw // 2) if pad == 'same' and s == 1 else 0
        super().__init__(nn.Conv2d(cin, cout, (kh, kw), s, padding, bias=False), nn.BatchNorm2d(cout, eps=1e-3), nn.ReLU(inplace=True))


def avg_pool(x):
    return F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)


class BlockA(nn.Module):
    def __init__(self, cin, pool):
        super().__init__()
        self.b1 = ConvBn(cin, 64, 1)
        self.b5 = nn.Sequential(ConvBn(cin, 48, 1), ConvBn(48, 64, 5))
        self.b3 = nn.Sequential(ConvBn(cin, 64, 1), ConvBn(64, 96, 3), ConvBn(96, 96, 3))
        self.bp = ConvBn(cin, pool, 1)

    def forward(self, x):
        return torch.cat([self.b1(x), self.b5(x), self.b3(x), self.bp(avg_pool(x))], 1)


class BlockB(nn.Module):
    def __init__(self, cin):
        super().__init__()
        self.b3 = ConvBn(cin, 384, 3, 2, 'valid')
        self.bd = nn.Sequential(ConvBn(cin, 64, 1), ConvBn(64, 96, 3), ConvBn(96, 96, 3, 2, 'valid'))

    def forward(self, x):
        return torch.cat([self.b3(x), self.bd(x), F.max_pool2d(x, 3, 2)], 1)


class BlockC(nn.Module):
    def __init__(self, cin, c7):
        super().__init__()
        self.b1 = ConvBn(cin, 192, 1)
        self.b7 = nn.Sequential(ConvBn(cin, c7, 1), ConvBn(c7, c7, (1, 7)), ConvBn(c7, 192, (7, 1)))
        self.bd = nn.Sequential(ConvBn(cin, c7, 1), ConvBn(c7, c7, (7, 1)), ConvBn(c7, c7, (1, 7)), ConvBn(c7, c7, (7, 1)), ConvBn(c7, 192, (1, 7)))
        self.bp = ConvBn(cin, 192, 1)

    def forward(self, x):
        return torch.cat([self.b1(x), self.b7(x), self.bd(x), self.bp(avg_pool(x))], 1)


class BlockD(nn.Module):
    def __init__(self, cin):
        super().__init__()
        self.b3 = nn.Sequential(ConvBn(cin, 192, 1), ConvBn(192, 320, 3, 2, 'valid'))
        self.b7 = nn.Sequential(ConvBn(cin, 192, 1), ConvBn(192, 192, (1, 7)), ConvBn(192, 192, (7, 1)), ConvBn(192, 192, 3, 2, 'valid'))

    def forward(self, x):
        return torch.cat([self.b3(x), self.b7(x), F.max_pool2d(x, 3, 2)], 1)


class BlockE(nn.Module):
    def __init__(self, cin):
        super().__init__()
        self.b1 = ConvBn(cin, 320, 1)
        self.b3 = ConvBn(cin, 384, 1)
        self.b3a, self.b3b = ConvBn(384, 384, (1, 3)), ConvBn(384, 384, (3, 1))
        self.bd = nn.Sequential(ConvBn(cin, 448, 1), ConvBn(448, 384, 3))
        self.bda, self.bdb = ConvBn(384, 384, (1, 3)), ConvBn(384, 384, (3, 1))
        self.bp = ConvBn(cin, 192, 1)

    def forward(self, x):
        b3 = self.b3(x)
        bd = self.bd(x)
        return torch.cat([self.b1(x), self.b3a(b3), self.b3b(b3), self.bda(bd), self.bdb(bd), self.bp(avg_pool(x))], 1)


class InceptionV3(nn.Module):
    def __init__(self, channels=3):
        super().__init__()
        self.stem = nn.Sequential(ConvBn(channels, 32, 3, 2, 'valid'), ConvBn(32, 32, 3, 1, 'valid'), ConvBn(32, 64, 3), nn.MaxPool2d(3, 2),
                                  ConvBn(64, 80, 1), ConvBn(80, 192, 3, 1, 'valid'), nn.MaxPool2d(3, 2))
        self.blocks = nn.Sequential(BlockA(192, 32), BlockA(256, 64), BlockA(288, 64), BlockB(288), BlockC(768, 128), BlockC(768, 160),
                                    BlockC(768, 160), BlockC(768, 192), BlockD(768), BlockE(1280), BlockE(2048))
        self.drop = nn.Dropout(0.3)
        self.fc = nn.Linear(2048, 6)

    def forward(self, x):
        x = self.blocks(self.stem(x)).mean((2, 3))
        return torch.sigmoid(self.fc(self.drop(x)))


class SimpleCnn(nn.Module):
    def __init__(self, size, channels=3):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(channels, 32, 3), nn.Conv2d(32, 64, 3)
        side = ((size - 2) // 2 - 2) // 2
        self.fc1, self.fc2 = nn.Linear(side * side * 64, 64), nn.Linear(64, 6)
        self.drop = nn.Dropout(0.3)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        return torch.sigmoid(self.fc2(self.drop(F.relu(self.fc1(x.flatten(1))))))


def make_step(model, x, y, opt, infer):
    """One timed unit: an eval-mode forward (infer) or a full Adam training step on BCE; sets the mode."""
    model.eval() if infer else model.train()

    def step():
        if infer:
            with torch.no_grad():
                model(x)
            return
        opt.zero_grad()
        F.binary_cross_entropy(model(x), y).backward()
        opt.step()
    return step


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--model', default='inceptionv3')
    p.add_argument('--size', type=int, default=256)
    p.add_argument('--batch', type=int, default=8)
    p.add_argument('--steps', type=int, default=5)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--channels-last', action='store_true')
    p.add_argument('--infer', action='store_true', help='time eval-mode forward passes instead of training steps')
    a = p.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(a.threads)
    model = InceptionV3() if a.model == 'inceptionv3' else SimpleCnn(a.size)
    x = torch.rand(a.batch, 3, a.size, a.size)
    y = (torch.rand(a.batch, 6) < 0.2).float()
    if a.channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.Adam(model.parameters(), 1e-4)

    step = make_step(model, x, y, opt, a.infer)
    step()  # warm-up
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    print(json.dumps({'engine': 'pytorch', 'version': torch.__version__, 'model': a.model, 'size': a.size, 'batch': a.batch, 'threads': torch.get_num_threads(),
                      'channelsLast': a.channels_last, 'mode': 'infer' if a.infer else 'train', 'imgPerSec': a.batch * a.steps / sum(times),
                      'stepSeconds': sorted(times)[len(times) // 2]}))


if __name__ == '__main__':
    main()
