"""PyTorch timing peer for the image networks' convolution (CPU).

Times, as core/nn's BenchmarkConv3x3Step and BenchmarkConv3x3Penalty do,
a 3×3, 64→64, padding-1 convolution over 32×32 images, batch 64:

  step     y = conv(x); loss = Σ SiLU(y); loss.backward() into x, W and b
  penalty  E = Σ SiLU(conv(x)); g = ∂E/∂x (create_graph); (Σ g²).backward()
           into W and b: the gradient penalty's double backward

Prints one JSON line with the median milliseconds of each and torch's
version. Run by scripts/bench_conv.sh.
"""
import argparse, json, statistics, time
import torch
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=2)
p.add_argument("--iters", type=int, default=20)
p.add_argument("--warmup", type=int, default=3)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
conv = torch.nn.Conv2d(64, 64, 3, padding=1)
x = torch.randn(64, 64, 32, 32, requires_grad=True)


def step():
    conv.zero_grad(set_to_none=True)
    x.grad = None
    F.silu(conv(x)).sum().backward()


def penalty():
    conv.zero_grad(set_to_none=True)
    xp = x.detach().requires_grad_(True)
    e = F.silu(conv(xp)).sum()
    (g,) = torch.autograd.grad(e, xp, create_graph=True)
    (g * g).sum().backward()


out = {"torch": torch.__version__, "threads": a.threads, "iters": a.iters}
for name, f in (("step", step), ("penalty", penalty)):
    times = []
    for i in range(a.warmup + a.iters):
        t0 = time.perf_counter()
        f()
        if i >= a.warmup:
            times.append(1e3 * (time.perf_counter() - t0))
    out[f"{name}_ms_median"] = statistics.median(times)
print(json.dumps(out))
