"""PyTorch's side of benchmarks/epoch.ts: one training epoch of the same architecture, batch size and sample count.

The architecture is read from the tfjs model.json our run wrote (a chain of Keras-style layers: Conv2D,
DepthwiseConv2D, BatchNormalization, ReLU, MaxPooling2D, GlobalAveragePooling2D, Flatten, Dense, Dropout), so both
sides train the same layers. The images are random tensors of the run's shape held in memory (an epoch's time does
not depend on the pixel values); labels from labels (cross-entropy) with Adam, as ours (case a and c).

  /usr/bin/python3 benchmarks/epoch_torch.py --model RUN/student/model.json --n 54000 --batch 64 --threads 1

Prints one JSON line: {"seconds": ..., "steps": ..., "threads": ..., "torch": ...}.
"""
import argparse
import json
import math
import time

import torch
import torch.nn as nn


def same_pad(k, s):
    # Keras 'same' for odd kernels at stride 1: k // 2 on each side (stride 2 handled by the caller's shapes).
    return k // 2


def build(layers, in_shape):
    h, w, c = in_shape
    mods = []
    flat = None
    for layer in layers:
        cls, cfg = layer["class_name"], layer["config"]
        if cls == "InputLayer":
            continue
        if cls in ("Conv2D", "DepthwiseConv2D"):
            k = cfg["kernel_size"][0]
            s = cfg["strides"][0]
            pad = same_pad(k, s) if cfg["padding"] == "same" else 0
            if cls == "Conv2D":
                out = cfg["filters"]
                mods.append(nn.Conv2d(c, out, k, s, pad, bias=cfg.get("use_bias", True)))
            else:
                out = c * cfg.get("depth_multiplier", 1)
                mods.append(nn.Conv2d(c, out, k, s, pad, groups=c, bias=cfg.get("use_bias", True)))
            c = out
            h = (h + 2 * pad - k) // s + 1
            w = (w + 2 * pad - k) // s + 1
            if cfg.get("activation", "linear") == "relu":
                mods.append(nn.ReLU())
        elif cls == "BatchNormalization":
            mods.append(nn.BatchNorm1d(c) if flat is not None else nn.BatchNorm2d(c))
        elif cls == "ReLU":
            mods.append(nn.ReLU6() if cfg.get("max_value") == 6 else nn.ReLU())
        elif cls == "Activation":
            if cfg["activation"] == "relu":
                mods.append(nn.ReLU())
        elif cls == "MaxPooling2D":
            p = cfg["pool_size"][0]
            # Keras 'same' pooling rounds up: ceil_mode does the same.
            mods.append(nn.MaxPool2d(p, cfg["strides"][0], ceil_mode=cfg["padding"] == "same"))
            h, w = math.ceil(h / p), math.ceil(w / p)
        elif cls == "GlobalAveragePooling2D":
            mods.append(nn.AdaptiveAvgPool2d(1))
            mods.append(nn.Flatten())
            flat = c
        elif cls == "Flatten":
            mods.append(nn.Flatten())
            flat = c * h * w
        elif cls == "Dense":
            mods.append(nn.Linear(flat, cfg["units"]))
            flat = cfg["units"]
            if cfg.get("activation", "linear") == "relu":
                mods.append(nn.ReLU())
        elif cls == "Dropout":
            mods.append(nn.Dropout(cfg["rate"]))
        else:
            raise SystemExit(f"epoch_torch.py: layer {cls} is not translated")
    return nn.Sequential(*mods)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--classes", type=int, default=10)
    ap.add_argument("--lr", type=float, default=0.002)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    topo = json.load(open(a.model))["modelTopology"]
    cfg = topo.get("model_config", topo)["config"]
    layers = cfg["layers"]
    in_shape = [d for d in layers[0]["config"]["batch_input_shape"][1:]]
    model = build(layers, in_shape)
    h, w, c = in_shape
    x = torch.rand(a.n, c, h, w)
    y = torch.randint(0, a.classes, (a.n,))
    opt = torch.optim.Adam(model.parameters(), lr=a.lr, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    t0 = time.perf_counter()
    perm = torch.randperm(a.n)
    steps = 0
    for i in range(0, a.n, a.batch):
        idx = perm[i : i + a.batch]
        opt.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
        steps += 1
    seconds = time.perf_counter() - t0
    # Counted as tfjs counts a model's weights: BatchNorm's moving mean and variance included.
    params = sum(p.numel() for p in model.parameters()) + sum(b.numel() for n, b in model.named_buffers() if n.endswith(("running_mean", "running_var")))
    print(json.dumps({"seconds": seconds, "steps": steps, "threads": a.threads, "params": params, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
