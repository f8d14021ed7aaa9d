"""An independent PyTorch implementation of DDAEBM on the 2-D toy sets, for
side-by-side comparison with the Go implementation.

The networks, losses, schedule and optimiser are those of
docs/ALGORITHM.md and of the timing peer torch_toy_step.py, written with
PyTorch's own layers (nn.Linear, nn.BatchNorm1d, nn.PReLU, torch.optim.Adam)
and autograd, so that nothing is shared with the Go code but the data and
the evaluation protocol.

Two commands:

  check DIR   Read a Go checkpoint (DIR/init.npz) and one step's random
              draws (DIR/*.npy), compute both losses and their gradients at
              those weights, and write them to DIR/torch/. The Go test
              TestToyStepMatchesPyTorch (core/ddaebm) writes DIR, runs this
              and compares: the two implementations compute the same
              function to float32 rounding, or the test names the tensor
              that differs.

  train       Train on a pool of toy points written by the project (so that
              both sides see the same distribution), then evaluate with the
              project's protocol: E(x, 0) normalised on a 300×300 grid over
              [−lim, lim]², grid NLL at the test points, 5000 samples with
              the generator's running batch-norm statistics. Writes
              metrics.json, density.npy (log p̂ on the grid, bottom row
              first) and samples.npy to --out. scripts/toy_side_by_side.sh
              runs both implementations over toy sets and seeds.

Needs torch and numpy (scripts/peer.sh finds a PyPI PyTorch).
"""
import argparse, json, math, os, time
import numpy as np
import torch
import torch.nn as nn

T, ZDIM, EMBED, BRANCH = 4, 2, 16, 32


# ---------------------------------------------------------------- diffusion (VP SDE, docs/ALGORITHM.md §2)
class Schedule:
    def __init__(self, T=4, beta_min=0.1, beta_max=20.0, eps=1e-3):
        tp = np.arange(T + 1) / T * (1 - eps) + eps
        var = 1 - np.exp(-beta_min * tp - 0.5 * (beta_max - beta_min) * tp ** 2)
        abar = 1 - var
        betas = np.concatenate([[var[0]], 1 - abar[1:] / abar[:-1]])
        abar = np.cumprod(1 - betas)
        f = lambda a: torch.tensor(a, dtype=torch.float32)
        self.betas, self.abar = f(betas), f(abar)
        # Indexed by k = 0..T−1: the pair (x_k, x_{k+1}).
        b1, a, a1 = betas[1:], abar[:-1], abar[1:]
        self.post_c0 = f(b1 * np.sqrt(a) / (1 - a1))
        self.post_ck1 = f((1 - a) * np.sqrt(1 - b1) / (1 - a1))
        self.post_var = f(b1 * (1 - a) / (1 - a1))

    def pair(self, x0, k, e1, e2):  # x_k ~ q(x_k | x_0), x_{k+1} ~ q(x_{k+1} | x_k)
        ab = self.abar[k][:, None]
        xk = ab.sqrt() * x0 + (1 - ab).sqrt() * e1
        b = self.betas[k + 1][:, None]
        return xk, (1 - b).sqrt() * xk + b.sqrt() * e2

    def log_transition(self, xk1, xk, k):  # log q(x_{k+1} | x_k)
        b = self.betas[k + 1][:, None]
        return (-0.5 * (xk1 - (1 - b).sqrt() * xk) ** 2 / b - 0.5 * torch.log(2 * math.pi * b)).sum(1)

    def posterior(self, x0, xk1, k):  # mean and variance of q(x_k | x_{k+1}, x_0)
        return self.post_c0[k][:, None] * x0 + self.post_ck1[k][:, None] * xk1, self.post_var[k][:, None]


def sin_embed(k, dim=EMBED):
    half = dim // 2
    freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32) / (half - 1))
    a = k.float()[:, None] * freqs[None]
    return torch.cat([a.sin(), a.cos()], 1)


# ---------------------------------------------------------------- networks (Table 6)
def branch(i, bn):
    return nn.Sequential(nn.Linear(i, EMBED), *([nn.BatchNorm1d(EMBED)] if bn else []), nn.PReLU(), nn.Linear(EMBED, BRANCH))


def trunk(out, bn, hidden=300):
    layers = [nn.Linear(2 * BRANCH, hidden)] + ([nn.BatchNorm1d(hidden)] if bn else []) + [nn.PReLU()]
    layers += [nn.Linear(hidden, hidden)] + ([nn.BatchNorm1d(hidden)] if bn else []) + [nn.PReLU()]
    return nn.Sequential(*layers, nn.Linear(hidden, out))


class ToyNet(nn.Module):
    def __init__(self, inputs, out, bn):
        super().__init__()
        self.fx, self.ft, self.head = branch(inputs, bn), branch(EMBED, False), trunk(out, bn)

    def forward(self, x, k):
        return self.head(torch.cat([self.fx(x), self.ft(sin_embed(k))], 1))


class Nets:
    def __init__(self):
        self.E = ToyNet(2, 1, bn=False)
        self.G = ToyNet(2 + ZDIM, 2, bn=True)
        self.Q = ToyNet(4, 2 * ZDIM, bn=True)

    def energy(self, x, k):
        return self.E(x, k).squeeze(1)

    def generate(self, xk1, z, k, sch, noise):
        m, v = sch.posterior(self.G(torch.cat([xk1, z], 1), k), xk1, k)
        return m + v.sqrt() * noise

    def encode(self, xk, xk1, k):
        return self.Q(torch.cat([xk, xk1], 1), k).chunk(2, 1)

    def go_param(self, name):
        """The torch tensor behind a Go parameter name such as
        "generator/trunk.1.bn/gamma", and whether Go stores it transposed."""
        net, module, leaf = name.split("/")
        net = {"energy": self.E, "generator": self.G, "encoder": self.Q}[net]
        part, rest = module.split(".", 1)
        seq = {"x": net.fx, "t": net.ft, "trunk": net.head}[part]
        kinds = {"fc": nn.Linear, "bn": nn.BatchNorm1d, "act": nn.PReLU}
        if rest.isdigit():  # a bare Linear after the blocks: x.1, t.1, trunk.2
            layer, kind = [l for l in seq if isinstance(l, nn.Linear)][int(rest)], nn.Linear
        else:
            block, kind_name = rest.split(".")
            kind = kinds[kind_name]
            layer = [l for l in seq if isinstance(l, kind)][int(block)]
        if kind is nn.Linear:
            return (layer.weight, True) if leaf == "W" else (layer.bias, False)
        if kind is nn.BatchNorm1d:
            return {"gamma": layer.weight, "beta": layer.bias,
                    "running_mean": layer.running_mean, "running_var": layer.running_var}[leaf], False
        return layer.weight, False


def gauss_logpdf(x, mean, logvar):
    return (-0.5 * ((x - mean) ** 2 / logvar.exp() + logvar + math.log(2 * math.pi))).sum(1)


# ---------------------------------------------------------------- the two losses (docs/ALGORITHM.md §5)
GAMMA, W_FAKE, W_ENT, LOGVAR_FLOOR = 0.02, 1.0, 0.1, math.log(1e-2)


def energy_loss(nets, sch, xk, xk1, fake, k):
    xk = xk.detach().requires_grad_(True)
    e_real = nets.energy(xk, k)
    grad = torch.autograd.grad((e_real + sch.log_transition(xk1, xk, k)).sum(), xk, create_graph=True)[0]
    penalty = (grad ** 2).sum(1).mean()
    loss = (W_FAKE * nets.energy(fake, k) - e_real).mean() + GAMMA / 2 * penalty
    return loss, penalty


def generator_loss(nets, sch, xk, xk1, k, z, noise, eps):
    fake = nets.generate(xk1, z, k, sch, noise)
    mu, lv = nets.encode(fake, xk1, k)
    l1 = (-nets.energy(fake, k) - sch.log_transition(xk1, fake, k)).mean() - W_ENT * gauss_logpdf(z, mu, lv).mean()
    mu2, lv2 = nets.encode(xk, xk1, k)
    zq = mu2 + (0.5 * lv2).exp() * eps
    kl = 0.5 * (mu2 ** 2 + lv2.exp() - 1 - lv2).sum(1)
    m2, v2 = sch.posterior(nets.G(torch.cat([xk1, zq], 1), k), xk1, k)
    rec = gauss_logpdf(xk, m2, v2.log().clamp(min=LOGVAR_FLOOR).expand_as(m2))
    l2 = (kl - rec).mean()
    return l1 + l2, l2


# ---------------------------------------------------------------- check: one step at Go's weights and draws
def check(directory):
    nets, sch = Nets(), Schedule(T)
    ckpt = np.load(os.path.join(directory, "init.npz"))
    names = [n for n in ckpt.files if n.split("/")[0] in ("energy", "generator", "encoder")]
    with torch.no_grad():
        for name in names:
            p, transposed = nets.go_param(name)
            v = torch.from_numpy(np.asarray(ckpt[name], dtype=np.float32))
            p.copy_((v.T if transposed else v).reshape(p.shape))
    d = {n: torch.from_numpy(np.load(os.path.join(directory, n + ".npy")))
         for n in ("xk", "xk1", "k", "z_max", "noise_max", "z", "noise", "eps")}
    k = d["k"].long()
    with torch.no_grad():
        fake = nets.generate(d["xk1"], d["z_max"], k, sch, d["noise_max"])
    loss_e, penalty = energy_loss(nets, sch, d["xk"], d["xk1"], fake, k)
    e_params = list(nets.E.parameters())
    grads = dict(zip(map(id, e_params), torch.autograd.grad(loss_e, e_params)))
    loss_g, l2 = generator_loss(nets, sch, d["xk"], d["xk1"], k, d["z"], d["noise"], d["eps"])
    g_params = list(nets.G.parameters()) + list(nets.Q.parameters())
    grads.update(zip(map(id, g_params), torch.autograd.grad(loss_g, g_params)))
    out = os.path.join(directory, "torch")
    os.makedirs(out, exist_ok=True)
    np.save(os.path.join(out, "fake.npy"), fake.numpy())
    for name in names:
        p, transposed = nets.go_param(name)
        if id(p) not in grads:
            continue  # a batch-norm statistic
        g = grads[id(p)]
        g = g.T if transposed else g.reshape(1, -1)
        np.save(os.path.join(out, name.replace("/", "__") + ".npy"), g.contiguous().numpy().astype(np.float32))
    with open(os.path.join(out, "losses.json"), "w") as f:
        json.dump({"loss_e": loss_e.item(), "penalty": penalty.item(), "loss_g": loss_g.item(), "l2": l2.item()}, f)


# ---------------------------------------------------------------- train and evaluate
def train(a):
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    pool = torch.from_numpy(np.load(a.pool).astype(np.float32))
    test = torch.from_numpy(np.load(a.test).astype(np.float32))
    nets, sch, B = Nets(), Schedule(T), a.batch
    optE = torch.optim.Adam(nets.E.parameters(), lr=a.lr, betas=(0.0, 0.9))
    optG = torch.optim.Adam(list(nets.G.parameters()) + list(nets.Q.parameters()), lr=a.lr, betas=(0.0, 0.9))
    start = time.time()
    for it in range(a.iters):
        lo = (it * B) % (len(pool) - B + 1)
        x0 = pool[lo:lo + B]
        k = torch.randint(0, T, (B,))
        xk, xk1 = sch.pair(x0, k, torch.randn_like(x0), torch.randn_like(x0))
        with torch.no_grad():
            fake = nets.generate(xk1, torch.randn(B, ZDIM), k, sch, torch.randn(B, 2))
        loss_e, _ = energy_loss(nets, sch, xk, xk1, fake, k)
        optE.zero_grad(); loss_e.backward(); optE.step()
        loss_g, _ = generator_loss(nets, sch, xk, xk1, k, torch.randn(B, ZDIM), torch.randn(B, 2), torch.randn(B, ZDIM))
        optG.zero_grad(); loss_g.backward(); optG.step()
        if not (math.isfinite(loss_e.item()) and math.isfinite(loss_g.item())):
            raise SystemExit(f"step {it}: loss_e {loss_e.item()}, loss_g {loss_g.item()}")
        if (it + 1) % 1000 == 0:
            done = (it + 1) / a.iters
            el = time.time() - start
            print(f"{it + 1}/{a.iters} loss_e {loss_e.item():.4f} loss_g {loss_g.item():.4f} eta {el / done - el:.0f}s", flush=True)
    os.makedirs(a.out, exist_ok=True)
    with torch.no_grad():
        n, lim = a.grid, a.lim
        c = -lim + (torch.arange(n, dtype=torch.float64) + 0.5) * (2 * lim / n)
        gy, gx = torch.meshgrid(c, c, indexing="ij")  # row i is y, bottom first
        pts = torch.stack([gx.reshape(-1), gy.reshape(-1)], 1).float()
        zero = lambda m: torch.zeros(m, dtype=torch.long)
        e_grid = torch.cat([nets.energy(p, zero(len(p))) for p in pts.split(10000)]).double()
        log_z = torch.logsumexp(e_grid, 0).item() + 2 * math.log(2 * lim / n)
        e_test = nets.energy(test, zero(len(test))).double()
        nets.G.eval()
        g = torch.Generator().manual_seed(12345)
        x = torch.randn(a.samples, 2, generator=g)
        for kk in reversed(range(T)):
            kv = torch.full((a.samples,), kk, dtype=torch.long)
            noise = torch.randn(a.samples, 2, generator=g) if kk > 0 else torch.zeros(a.samples, 2)
            x = nets.generate(x, torch.randn(a.samples, ZDIM, generator=g), kv, sch, noise)
    np.save(os.path.join(a.out, "density.npy"), (e_grid - log_z).reshape(n, n).numpy())
    np.save(os.path.join(a.out, "samples.npy"), x.numpy())
    outside = ((test.abs() > lim).any(1)).double().mean().item()
    metrics = {"impl": "pytorch " + torch.__version__, "iters": a.iters, "seed": a.seed, "lim": lim,
               "grid_nll": -(e_test - log_z).mean().item(), "test_outside_grid": outside,
               "seconds": time.time() - start}
    with open(os.path.join(a.out, "metrics.json"), "w") as f:
        json.dump(metrics, f)
    print(json.dumps(metrics))


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check", help="gradients at a Go checkpoint's weights and draws")
    c.add_argument("dir")
    t = sub.add_parser("train", help="train on a pool of toy points and evaluate")
    t.add_argument("--pool", required=True, help="N×2 .npy of training points, used in order, B per step")
    t.add_argument("--test", required=True, help="N×2 .npy of test points")
    t.add_argument("--lim", type=float, required=True, help="the density grid covers [−lim, lim]²")
    t.add_argument("--iters", type=int, default=15000)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--batch", type=int, default=200)
    t.add_argument("--lr", type=float, default=1e-4)
    t.add_argument("--grid", type=int, default=300)
    t.add_argument("--samples", type=int, default=5000)
    t.add_argument("--threads", type=int, default=1)
    t.add_argument("--out", required=True)
    a = p.parse_args()
    check(a.dir) if a.cmd == "check" else train(a)
