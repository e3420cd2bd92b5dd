#!/usr/bin/python3
"""The capstone's slice preprocessing, replicated as a benchmark baseline (not product code).

As read from its notebooks (/work/shared/mission/seed-models.md): pydicom read -> RSNA 12-bit fix
-> HU = raw * slope + intercept, values < -1024 set to -1024 -> "BSS" windows brain (40/80),
subdural (80/200), soft (40/380), each clipped and scaled to [0, 1], stacked as 3 channels ->
cv2.resize to 256x256 (INTER_LINEAR). One core: OpenCV and BLAS threads are pinned to 1.

Usage: /usr/bin/python3 bench/capstone_pipeline.py <file-list.txt> [--passes N] [--dump DIR --dump-count K]
Prints one JSON object: {"files", "passes", "ms_per_slice": [per pass], "versions": {...}}.
--dump writes the float32 HWC output of the first K files as DIR/<basename>.f32 (to check that
ichscan computes the same pixels).
"""
import argparse
import json
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import pydicom  # noqa: E402

cv2.setNumThreads(1)


def correct_dcm(dcm):
    """The RSNA 12-bit fix (as in the public kernels the capstone followed)."""
    x = dcm.pixel_array + 1000
    px_mode = 4096
    x[x >= px_mode] = x[x >= px_mode] - px_mode
    dcm.PixelData = x.tobytes()
    dcm.RescaleIntercept = -1000


def window_image(dcm, window_center, window_width):
    if dcm.BitsStored == 12 and dcm.PixelRepresentation == 0 and int(dcm.RescaleIntercept) > -100:
        correct_dcm(dcm)
    img = dcm.pixel_array * dcm.RescaleSlope + dcm.RescaleIntercept
    img[img < -1024] = -1024
    img_min = window_center - window_width // 2
    img_max = window_center + window_width // 2
    return np.clip(img, img_min, img_max)


def bss_window(dcm):
    brain_img = window_image(dcm, 40, 80)
    subdural_img = window_image(dcm, 80, 200)
    soft_img = window_image(dcm, 40, 380)
    brain_img = (brain_img - 0) / 80
    subdural_img = (subdural_img - (-20)) / 200
    soft_img = (soft_img - (-150)) / 380
    return np.array([brain_img, subdural_img, soft_img]).transpose(1, 2, 0)


def preprocess(path, size=256):
    dcm = pydicom.dcmread(path)
    img = bss_window(dcm)
    return cv2.resize(img, (size, size), interpolation=cv2.INTER_LINEAR)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file_list")
    ap.add_argument("--passes", type=int, default=2)
    ap.add_argument("--dump")
    ap.add_argument("--dump-count", type=int, default=0)
    a = ap.parse_args()
    with open(a.file_list) as f:
        files = [line.strip() for line in f if line.strip()]
    if a.dump:
        os.makedirs(a.dump, exist_ok=True)
        for p in files[: a.dump_count]:
            preprocess(p).astype("<f4").tofile(os.path.join(a.dump, os.path.basename(p) + ".f32"))
    per_pass = []
    for _ in range(a.passes):
        t0 = time.perf_counter()
        for p in files:
            preprocess(p)
        per_pass.append((time.perf_counter() - t0) * 1000 / len(files))
    print(json.dumps({
        "files": len(files),
        "passes": a.passes,
        "ms_per_slice": per_pass,
        "versions": {"pydicom": pydicom.__version__, "numpy": np.__version__, "opencv": cv2.__version__},
    }))


if __name__ == "__main__":
    main()
