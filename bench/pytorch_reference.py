#!/usr/bin/python3
"""PyTorch reference for `cac bench`: the same workloads, printed as the same JSON list of
{"name", "value", "unit"} on stdout (progress on stderr).

  /usr/bin/python3 bench/pytorch_reference.py [--config default|channels_last] [--quick] [--device cpu|cuda] [--filter TEXT]

--filter runs only the benchmarks whose group name contains TEXT (as `cac bench --filter`, which passes it on), e.g.
pgd10 for the attack alone: PGD-10 (eps 8/255, step 2/255, uniform random start) on ResNet-20 in evaluation mode behind
CIFAR-10's normalisation, parameters frozen, as Cac.Core/Adversarial/Pgd.cs; images attacked per second.

--config channels_last runs the convolutions and models in torch.channels_last memory format (the
fastest PyTorch configuration on this CPU), and the GEMMs as 1x1 convolutions in oneDNN (torch.mm uses
the system BLAS, which on Debian without OpenBLAS is the slow reference BLAS). glibc malloc tuning is the caller's business: set e.g.
MALLOC_MMAP_THRESHOLD_=... MALLOC_TRIM_THRESHOLD_=... in the environment (`cac bench
--compare-pytorch` does so for its "best" run). Uses 2 threads, float32, batch 128.

--device cuda runs the same workloads on the GPU (cuBLAS, cuDNN), strict float32 (TF32 off), each timed run
ending with torch.cuda.synchronize(); the GEMMs are torch.mm (cuBLAS) in both configurations, and besides the host
peak (peak_working_set_mb) it reports the GPU's peak allocation during the ResNet-20 training benchmark (device_peak_mb).
"""
import argparse
import json
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

BATCH = 128
DEVICE = torch.device("cpu")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def sync():
    if DEVICE.type == "cuda":
        torch.cuda.synchronize()


def median_seconds(fn, warmup, repeats):
    for _ in range(warmup):
        fn()
    sync()
    times = []
    for _ in range(max(1, repeats)):
        t = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t)
    times.sort()
    n = len(times)
    return times[n // 2] if n % 2 else (times[n // 2 - 1] + times[n // 2]) / 2


# CIFAR ResNet as Cac.Models.CifarResNet: basic blocks, projection shortcut (1x1 conv + BN) where the shape changes.
class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + (x if self.shortcut is None else self.shortcut(x)))


class CifarResNet(nn.Module):
    def __init__(self, n, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        layers, cin = [], 16
        for i, cout in enumerate((16, 32, 64)):
            for j in range(n):
                layers.append(BasicBlock(cin, cout, 2 if (j == 0 and i > 0) else 1))
                cin = cout
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layers(x)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x)


CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)


def pgd10_attack(fmt):
    """One PGD-10 pass over a batch of random pixels: the closure to time."""
    log("PGD-10 on resnet20 ...")
    net = CifarResNet(3).to(DEVICE, memory_format=fmt).eval()
    for p in net.parameters():
        p.requires_grad_(False)
    mean = torch.tensor(CIFAR10_MEAN, device=DEVICE).view(1, 3, 1, 1)
    std = torch.tensor(CIFAR10_STD, device=DEVICE).view(1, 3, 1, 1)
    images = torch.rand(BATCH, 3, 32, 32, device=DEVICE).to(memory_format=fmt)
    labels = torch.arange(BATCH, device=DEVICE) % 10
    eps, step = 8 / 255, 2 / 255

    def attack():
        x = (images + torch.empty_like(images).uniform_(-eps, eps)).clamp(0, 1)
        for _ in range(10):
            x.requires_grad_(True)
            loss = F.cross_entropy(net((x - mean) / std), labels)
            (grad,) = torch.autograd.grad(loss, x)
            x = x.detach() + step * grad.sign()
            x = torch.min(torch.max(x, images - eps), images + eps).clamp(0, 1)
        x.cpu().numpy()

    return attack


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", choices=["default", "channels_last"], default="default")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--filter", default=None)
    args = parser.parse_args()
    global DEVICE
    DEVICE = torch.device(args.device)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_num_threads(2)
    torch.manual_seed(0)
    fmt = torch.channels_last if args.config == "channels_last" else torch.contiguous_format
    warmup, repeats, model_repeats = (1, 3, 3) if args.quick else (2, 7, 5)
    results = []

    def wants(group):
        return args.filter is None or args.filter.lower() in group.lower()

    def add(name, value, unit):
        results.append({"name": name, "value": value, "unit": unit})
        log(f"  {name:<28} {value:10.2f} {unit}")

    for name, (m, n, k) in (("gemm_1024", (1024, 1024, 1024)), ("gemm_256x2304x1024", (256, 1024, 2304))):
        if not wants(name):
            continue
        log(f"{name} ...")
        a, b = torch.randn(m, k, device=DEVICE), torch.randn(k, n, device=DEVICE)
        c = torch.empty(m, n, device=DEVICE)
        if args.config == "channels_last" and DEVICE.type == "cpu":
            # torch.mm goes to the system BLAS (Debian's may be the slow reference one); the same product as a
            # 1x1 convolution runs in oneDNN: B (k, n) is the image (1, k, n, 1), A (m, k) the weight (m, k, 1, 1).
            a4, b4 = a.view(m, k, 1, 1), b.view(1, k, n, 1)

            def gemm():
                with torch.no_grad():
                    F.conv2d(b4, a4)
            s = median_seconds(gemm, warmup, repeats * 2)
        else:
            s = median_seconds(lambda: torch.mm(a, b, out=c), warmup, repeats * 2)
        add(f"{name}_gflops", 2.0 * m * n * k / s / 1e9, "GFLOP/s")

    for ch, hw in ((16, 32), (32, 16), (64, 8)):
        name = f"conv3x3_{ch}ch_{hw}x{hw}"
        if not wants(name):
            continue
        log(f"{name} ...")
        x = torch.randn(BATCH, ch, hw, hw, device=DEVICE).to(memory_format=fmt).requires_grad_()
        w = torch.randn(ch, ch, 3, 3, device=DEVICE).to(memory_format=fmt).requires_grad_()
        gy = torch.randn(BATCH, ch, hw, hw, device=DEVICE).to(memory_format=fmt)

        def fwd():
            with torch.no_grad():
                F.conv2d(x, w, None, 1, 1)

        def fwdbwd():
            x.grad = None
            w.grad = None
            F.conv2d(x, w, None, 1, 1).backward(gy)

        add(f"{name}_fwd_ms", median_seconds(fwd, warmup, repeats) * 1e3, "ms")
        add(f"{name}_fwdbwd_ms", median_seconds(fwdbwd, warmup, repeats) * 1e3, "ms")

    def train(depth_n, model_name):
        log(f"{model_name} training ...")
        net = CifarResNet(depth_n).to(DEVICE, memory_format=fmt)
        net.train()
        opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4, nesterov=True)
        images = torch.randn(BATCH, 3, 32, 32, device=DEVICE).to(memory_format=fmt)
        labels = torch.arange(BATCH, device=DEVICE) % 10

        def step():
            loss = F.cross_entropy(net(images), labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss.item()

        add(f"{model_name}_train_img_s", BATCH / median_seconds(step, warmup, model_repeats), "img/s")

    if wants("resnet20_train"):
        if DEVICE.type == "cuda":
            torch.cuda.reset_peak_memory_stats()
        train(3, "resnet20")
        add("peak_working_set_mb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, "MiB")
        if DEVICE.type == "cuda":
            add("device_peak_mb", torch.cuda.max_memory_allocated() / (1024.0 * 1024.0), "MiB")

    if wants("resnet20_infer"):
        log("resnet20 inference ...")
        net = CifarResNet(3).to(DEVICE, memory_format=fmt).eval()
        images = torch.randn(BATCH, 3, 32, 32, device=DEVICE).to(memory_format=fmt)

        def infer():
            with torch.no_grad():
                net(images).cpu().numpy()

        add("resnet20_infer_img_s", BATCH / median_seconds(infer, warmup, model_repeats * 2), "img/s")

    if wants("pgd10_resnet20"):
        add("pgd10_resnet20_img_s", BATCH / median_seconds(pgd10_attack(fmt), 1, model_repeats), "img/s")

    if wants("resnet56_train"):
        train(9, "resnet56")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
