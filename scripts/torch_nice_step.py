"""PyTorch timing peer for the DDAEBM MNIST model (CPU).

Times one step of the full-size MNIST networks of docs/ALGORITHM.md §7 with
the settings of ddaebm.DefaultMNISTConfig (T = 4, VP beta 0.1..10,
w_fake = 0.1, gamma = 0.02, Adam(0, 0.9), lr 1e-4, batch 128, z 50):

  energy  the max step: fakes from the generator (no graph), the NICE_t
          energy on real pairs and fakes, the gradient penalty
          (create_graph=True) and the Adam update; Go: BenchmarkNICEEnergyStep
  iter    the max step, then the generator+encoder step (L1 + L2 with the
          floor max(log v_k, log v_1)); Go: BenchmarkMNISTTrainStep
  mle     one maximum-likelihood step of the energy at k = 0; Go: BenchmarkNICEMLEStep

    OPENBLAS_NUM_THREADS=1 "$PYTHON" scripts/torch_nice_step.py --threads 2 --step energy --iters 20

with PYTHON a current PyPI PyTorch (scripts/bench_nice.sh finds one and
times Go against it in the same run).

The batch is synthetic logit-space data (the time of a step does not depend
on the values). Prints one JSON line with the median milliseconds per step.
"""
import argparse, json, math, time
import numpy as np
import torch
import torch.nn as nn

D, ZDIM, T, B = 784, 50, 4, 128
GAMMA, W_FAKE, W_ENT = 0.02, 0.1, 0.1


class Schedule:  # VP-SDE discretisation, docs/ALGORITHM.md §2 (same as torch_toy_step.py)
    def __init__(self, T=4, beta_min=0.1, beta_max=10.0, eps=1e-3):
        tp = np.arange(T + 1) / T
        tp = tp * (1 - eps) + eps
        var = 1 - np.exp(-beta_min * tp - 0.5 * (beta_max - beta_min) * tp ** 2)
        abar = 1 - var
        betas = np.concatenate([[var[0]], 1 - abar[1:] / abar[:-1]])
        self.betas = torch.tensor(betas, dtype=torch.float32)
        self.abar = torch.tensor(np.cumprod(1 - betas), dtype=torch.float32)
        a = 1 - self.betas
        abar_prev = torch.cat([torch.ones(1), self.abar[:-1]])
        self.post_var = self.betas * (1 - abar_prev) / (1 - self.abar)
        self.post_c0 = self.betas * abar_prev.sqrt() / (1 - self.abar)
        self.post_ct = (1 - abar_prev) * a.sqrt() / (1 - self.abar)

    def q_sample_pair(self, x0, t):  # t in 1..T: returns x_{t-1}, x_t
        ab = self.abar[t - 1][:, None]
        xtm1 = ab.sqrt() * x0 + (1 - ab).sqrt() * torch.randn_like(x0)
        b = self.betas[t][:, None]
        return xtm1, (1 - b).sqrt() * xtm1 + b.sqrt() * torch.randn_like(x0)

    def log_q_step(self, xt, xtm1, t):
        b = self.betas[t][:, None]
        return (-0.5 * (xt - (1 - b).sqrt() * xtm1) ** 2 / b - 0.5 * torch.log(2 * math.pi * b)).sum(1)

    def posterior(self, x0, xt, t):
        return self.post_c0[t][:, None] * x0 + self.post_ct[t][:, None] * xt, self.post_var[t][:, None]


def sin_embed(t, dim=16):
    half = dim // 2
    freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32) / (half - 1))
    a = t.float()[:, None] * freqs[None]
    return torch.cat([a.sin(), a.cos()], 1)


class Shift(nn.Module):  # one coupling's shift network: 5 hidden layers, each + PReLU(FC(SE(k)))
    def __init__(self, n_in, n_out, width=1000, depth=5):
        super().__init__()
        self.fc = nn.ModuleList([nn.Linear(n_in if i == 0 else width, width) for i in range(depth)])
        self.act = nn.ModuleList([nn.PReLU() for _ in range(depth)])
        self.tfc = nn.ModuleList([nn.Linear(16, width) for _ in range(depth)])
        self.tact = nn.ModuleList([nn.PReLU() for _ in range(depth)])
        self.out = nn.Linear(width, n_out)

    def forward(self, h, se):
        for fc, act, tfc, tact in zip(self.fc, self.act, self.tfc, self.tact):
            h = act(fc(h)) + tact(tfc(se))
        return self.out(h)


class NICE(nn.Module):  # NICE_t: even/odd halves, 4 alternating additive couplings, diagonal scale
    def __init__(self, d=D):
        super().__init__()
        self.even, self.odd = torch.arange(0, d, 2), torch.arange(1, d, 2)
        ne, no = len(self.even), len(self.odd)
        self.shifts = nn.ModuleList([Shift(ne, no) if c % 2 == 0 else Shift(no, ne) for c in range(4)])
        self.log_scale = nn.Parameter(torch.zeros(d))

    def forward(self, x, k):
        se = sin_embed(k)
        h = [x[:, self.even], x[:, self.odd]]
        for c, m in enumerate(self.shifts):
            s = 1 - c % 2
            h[s] = h[s] + m(h[1 - s], se)
        f = torch.cat(h, 1) * self.log_scale.exp()
        return -0.5 * (f ** 2).sum(1) - 0.5 * f.shape[1] * math.log(2 * math.pi) + self.log_scale.sum()


class Net(nn.Module):  # Table 7 generator / encoder: x-branch, t-branch, trunk FC -> PReLU -> BN
    def __init__(self, n_in, x_hidden, x_out, trunk1, trunk2, n_out):
        super().__init__()
        self.fx = nn.Sequential(nn.Linear(n_in, x_hidden), nn.PReLU(), nn.Linear(x_hidden, x_out))
        self.ft = nn.Sequential(nn.Linear(16, 50), nn.PReLU(), nn.Linear(50, 100))
        self.head = nn.Sequential(nn.Linear(x_out + 100, trunk1), nn.PReLU(), nn.BatchNorm1d(trunk1),
                                  nn.Linear(trunk1, trunk2), nn.PReLU(), nn.BatchNorm1d(trunk2), nn.Linear(trunk2, n_out))

    def forward(self, x, k):
        return self.head(torch.cat([self.fx(x), self.ft(sin_embed(k))], 1))


def gauss_logpdf(x, mean, logvar):
    return (-0.5 * ((x - mean) ** 2 / logvar.exp() + logvar + math.log(2 * math.pi))).sum(1)


def step_fn(threads, which, w=1600):
    torch.manual_seed(0)
    torch.set_num_threads(threads)
    sch = Schedule()
    E = NICE()
    G = Net(D + ZDIM, w, w, 2 * w, w, D)
    Q = Net(2 * D, 2 * w, w, w, w, 2 * ZDIM)
    optE = torch.optim.Adam(E.parameters(), lr=1e-4, betas=(0.0, 0.9))
    optG = torch.optim.Adam(list(G.parameters()) + list(Q.parameters()), lr=1e-4, betas=(0.0, 0.9))
    u = (torch.rand(B, D) * 0.998 + 0.001)
    x0 = torch.log(u) - torch.log1p(-u)  # logit-space batch
    floor = sch.post_var[1].log()

    def mle():
        loss = -E(x0, torch.zeros(B, dtype=torch.long)).mean()
        optE.zero_grad(); loss.backward(); optE.step()

    def energy(t, xtm1, xt):
        xtm1 = xtm1.detach().requires_grad_(True)
        e_real = E(xtm1, t - 1)
        g = torch.autograd.grad((e_real + sch.log_q_step(xt, xtm1, t)).sum(), xtm1, create_graph=True)[0]
        with torch.no_grad():
            m, v = sch.posterior(G(torch.cat([xt, torch.randn(B, ZDIM)], 1), t - 1), xt, t)
            fake = m + v.sqrt() * torch.randn_like(m)
        lossE = (-e_real + W_FAKE * E(fake, t - 1)).mean() + GAMMA / 2 * (g ** 2).sum(1).mean()
        optE.zero_grad(); lossE.backward(); optE.step()

    def generator(t, xtm1, xt):
        for p in E.parameters():
            p.requires_grad_(False)
        z = torch.randn(B, ZDIM)
        m, v = sch.posterior(G(torch.cat([xt, z], 1), t - 1), xt, t)
        fake = m + v.sqrt() * torch.randn_like(m)
        mu, lv = Q(torch.cat([fake, xt], 1), t - 1).chunk(2, 1)
        L1 = (-E(fake, t - 1) - sch.log_q_step(xt, fake, t) - W_ENT * gauss_logpdf(z, mu, lv)).mean()
        mu2, lv2 = Q(torch.cat([xtm1, xt], 1), t - 1).chunk(2, 1)
        zq = mu2 + (0.5 * lv2).exp() * torch.randn_like(mu2)
        kl = 0.5 * (mu2 ** 2 + lv2.exp() - 1 - lv2).sum(1)
        m2, v2 = sch.posterior(G(torch.cat([xt, zq], 1), t - 1), xt, t)
        rec = gauss_logpdf(xtm1, m2, v2.log().clamp(min=floor).expand_as(m2))
        lossG = L1 + (kl - rec).mean()
        optG.zero_grad(); lossG.backward(); optG.step()
        for p in E.parameters():
            p.requires_grad_(True)

    def step():
        if which == "mle":
            return mle()
        t = torch.randint(1, T + 1, (B,))
        xtm1, xt = sch.q_sample_pair(x0, t)
        energy(t, xtm1, xt)
        if which == "iter":
            generator(t, xtm1, xt)
    return step


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--iters", type=int, default=20)
    p.add_argument("--step", choices=["energy", "iter", "mle"], default="energy")
    a = p.parse_args()
    step = step_fn(a.threads, a.step)
    times = []
    for i in range(a.iters + 3):
        t0 = time.perf_counter(); step(); times.append(time.perf_counter() - t0)
    print(json.dumps({"peer": "pytorch " + torch.__version__, "threads": a.threads, "step": a.step,
                      "ms_per_step_median": 1000 * float(np.median(times[3:]))}))
