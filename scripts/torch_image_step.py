"""PyTorch timing peer for one training iteration of the DDAEBM image model.

Times what ddaebm.Model.TrainStep does for the image model of
DefaultImageConfig (core/ddaebm/image.go; Go: BenchmarkImageTrainStep in
core/ddaebm/image_bench_test.go, XS on 32×32×3 at batch 64) with the same
networks layer for layer (core/models/unet, docs/IMAGES.md §2) and the same
losses (docs/ALGORITHM.md §4–§6): T = 4, VP β 0.1…20, γ 0.02, w_fake 1,
w_ent 0.1, eq. 19 L2 with the log-variance floor max(log v_k, log v_1),
λ_k = 1, Adam(β1 0, β2 0.9, eps 1e-8) at lr 1e-4 for the energy and for
generator+encoder, and weight averages of the energy and of the generator
with the preset's decay. One iteration is

  pairs      k ~ U{0..T−1} per example, x_k ~ q(x_k | x0), x_{k+1} ~ q(x_{k+1} | x_k)
  energy     the max step: fakes x'_k = posterior sample of G(x_{k+1}, z, k)
             without a graph; E(x_k), E(x'_k); the gradient penalty
             ‖∇_{x_k}[E(x_k, k) + log q(x_{k+1} | x_k)]‖² (create_graph, so a
             double backward); loss_E.backward(); Adam; EMA of E
  generator  the min step, E frozen: G(x_{k+1}, z, k) → fake (reparameterised),
             −E(fake) − log q(x_{k+1} | fake); the encoder at (fake, x_{k+1})
             for the entropy term; the encoder at (x_k, x_{k+1}), z_q, its KL,
             a second generator pass G(x_{k+1}, z_q, k) and the floored
             posterior log-density (eq. 19); backward into G and the encoder;
             Adam; EMA of G

ms_per_iter_median is the whole iteration (pairs + energy + generator);
energy_ms_median and generator_ms_median are the two steps alone (the pair
draw is in neither). Each step reads its losses back to the host once and
checks them finite, as TrainStep does.

    "$PYTHON" scripts/torch_image_step.py --config xs --threads 2 --iters 5
    "$PYTHON" scripts/torch_image_step.py --config s --batch 16 --threads 2
    "$PYTHON" scripts/torch_image_step.py --config xs --counts-only   # parameter counts, no timing
    python3 scripts/torch_on_device.py cuda scripts/torch_image_step.py --config xs --iters 20

with PYTHON a current PyPI PyTorch. Without --device the script runs on the
default device, the CPU unless scripts/torch_on_device.py has set another;
--device cuda also works alone (the clock then synchronises the device).
On CUDA, TF32 is off unless --tf32: the Go CUDA backend multiplies in full
float32 (CUBLAS_DEFAULT_MATH, core/cuda/cublas.go).

On start the script counts the parameters of the energy, the generator and
the encoder and exits with an error when they differ from the Go networks'
exact counts (the table GO_PARAMS below, from core/models/unet's builders
with nn.Params; 32×32 images with 1 or 3 channels, every preset).

The batch is synthetic (uniform in [−1, 1]): the time of a step does not
depend on the values.

Where the peer is not an exact replica of the Go iteration:
  - Layout: PyTorch's NCHW tensors; Go keeps an image as one row of
    H×W×C values (channels last). The same arithmetic, laid out differently;
    attention transposes to B×HW×C and back, which Go's layout needs not.
  - Resampling: Go applies AvgPool2 / Upsample2 / the FIR maps as sparse
    constant linear maps; here avg_pool2d, nearest interpolate and depthwise
    (transposed) convolutions with the [1, 3, 3, 1]/8 filter: the same maps.
  - Random numbers come from PyTorch's generator (Go: PCG and its own
    normal streams; dropout masks from thresholded normals); the draws have
    the same shapes and roles (k, two pair noises, z and noise in each step,
    ε for z_q, one dropout mask per residual block and pass), not the same
    values. XS has no dropout (p = 0); S, M and CIFAR-10 have 0.1.
  - The initialisation follows docs/IMAGES.md §2.1 (fan-avg uniform with
    scales 1, 0.1 and 1e-10; fan-out for the mapping and AdaGN layers;
    PyTorch's default in the encoder), but not Go's random stream.
  - torch.optim.Adam (for-each on CUDA, per tensor on the CPU) and
    torch._foreach_lerp_ for the averages: the same update rules as
    core/optim.Adam and core/optim.EMA.
  - The losses are read back once per step (one host sync each), where Go
    reads each statistic (loss, penalty, the two energy means; loss_G, L2)
    with its own download.
"""
import argparse, json, math, statistics, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

# docs/IMAGES.md §2.3 and core/models/unet/settings.go (presets), with the
# latent size nz and the weight-average decay of each preset.
PRESETS = {
    "cifar10": dict(nf=128, ch_mult=(1, 2, 2, 2), nrb=2, attn=(16,), dropout=0.1, resample="fir",
                    zemb=256, map_layers=4, enc_width=64, enc_temb=256, nz=100, ema=0.9999),
    "m": dict(nf=64, ch_mult=(1, 2, 2, 2), nrb=2, attn=(16,), dropout=0.1, resample="fir",
              zemb=256, map_layers=4, enc_width=32, enc_temb=128, nz=100, ema=0.9999),
    "s": dict(nf=32, ch_mult=(1, 2, 2), nrb=2, attn=(8,), dropout=0.1, resample="fir",
              zemb=128, map_layers=2, enc_width=32, enc_temb=128, nz=50, ema=0.999),
    "xs": dict(nf=16, ch_mult=(1, 2, 2), nrb=1, attn=(8,), dropout=0.0, resample="mean",
               zemb=64, map_layers=2, enc_width=16, enc_temb=64, nz=32, ema=0.999),
}

# Exact parameter counts (energy, generator, encoder) of the Go networks for
# 32×32 images, T = 4: family.Build of core/models/unet, summed over
# nn.Params (the step-embedding tables are constants, not parameters).
GO_PARAMS = {
    ("xs", 3): (317699, 453059, 327952), ("xs", 1): (317121, 452481, 327376),
    ("s", 3): (1773539, 2517603, 1194500), ("s", 1): (1771809, 2515873, 1193348),
    ("m", 3): (10088003, 14309187, 1604200), ("m", 1): (10084545, 14305729, 1603048),
    ("cifar10", 3): (40279171, 48432515, 4772872), ("cifar10", 1): (40272257, 48425601, 4770568),
}

T, BETA_MIN, BETA_MAX = 4, 0.1, 20.0
GAMMA, W_FAKE, W_ENT, LR, BETAS = 0.02, 1.0, 0.1, 1e-4, (0.0, 0.9)
GN_EPS, ZERO_SCALE, LEAKY = 1e-6, 1e-10, 0.2
INV_SQRT2 = 1 / math.sqrt(2)


# ---------------------------------------------------------------- schedule

class Schedule:
    """core/diffusion VP: t'_i = (i/T)(1 − 1e-3) + 1e-3, per-step tables."""

    def __init__(self, dev, T=T, bmin=BETA_MIN, bmax=BETA_MAX):
        tp = [(i / T) * (1 - 1e-3) + 1e-3 for i in range(T + 1)]
        var = [-math.expm1(-bmin * t - 0.5 * (bmax - bmin) * t * t) for t in tp]
        beta = [var[0]] + [1 - (1 - var[i]) / (1 - var[i - 1]) for i in range(1, T + 1)]
        abar, p = [], 1.0
        for b in beta:
            p *= 1 - b
            abar.append(p)
        c1, c2, lv = [], [], []
        for k in range(T):
            b1, a, a1 = beta[k + 1], abar[k], abar[k + 1]
            c1.append(b1 * math.sqrt(a) / (1 - a1))
            c2.append((1 - a) * math.sqrt(1 - b1) / (1 - a1))
            lv.append(math.log(b1 * (1 - a) / (1 - a1)))
        t = lambda v: torch.tensor(v, dtype=torch.float32, device=dev)
        self.sqrt_abar, self.sqrt_1mabar = t([math.sqrt(a) for a in abar[:T]]), t([math.sqrt(1 - a) for a in abar[:T]])
        self.sqrt_1mbeta, self.sqrt_beta = t([math.sqrt(1 - b) for b in beta[1:]]), t([math.sqrt(b) for b in beta[1:]])
        self.beta1 = t(beta[1:])  # β_{k+1}
        self.post_c1, self.post_c2, self.post_std = t(c1), t(c2), t([math.exp(0.5 * v) for v in lv])
        # log v_k floored at log v_1 (PostVarFloorStep 1, the image default)
        self.post_lv_floored = t([max(v, lv[1]) for v in lv])
        self.lam = t([1.0] * T)  # λ_k with w = w_mid = 1

    @staticmethod
    def col(table, k):
        return table[k].view(-1, 1, 1, 1)

    def pair(self, x0, k):
        c = self.col
        xk = c(self.sqrt_abar, k) * x0 + c(self.sqrt_1mabar, k) * torch.randn_like(x0)
        return xk, c(self.sqrt_1mbeta, k) * xk + c(self.sqrt_beta, k) * torch.randn_like(x0)

    def log_transition(self, xk1, xk, k):  # log q(x_{k+1} | x_k), B
        d = xk[0].numel()
        b = self.beta1[k]
        sq = (xk1 - self.col(self.sqrt_1mbeta, k) * xk).square().flatten(1).sum(1)
        return -0.5 / b * sq - 0.5 * d * torch.log(2 * math.pi * b)

    def posterior_mean(self, x0, xk1, k):
        return self.col(self.post_c1, k) * x0 + self.col(self.post_c2, k) * xk1

    def posterior_sample(self, x0, xk1, k, noise):
        return self.posterior_mean(x0, xk1, k) + self.col(self.post_std, k) * noise

    def posterior_logpdf(self, xk, x0, xk1, k):  # floored log-variance, B
        lv = self.col(self.post_lv_floored, k)
        m = self.posterior_mean(x0, xk1, k)
        return -0.5 * ((xk - m).square() * torch.exp(-lv) + lv + math.log(2 * math.pi)).flatten(1).sum(1)


def gauss_logpdf(x, mean, logvar):  # rows, B
    return -0.5 * ((x - mean).square() * torch.exp(-logvar) + logvar + math.log(2 * math.pi)).sum(1)


def sinusoidal(steps, dim):  # nn.SinusoidalTable
    half = dim // 2
    f = torch.exp(-torch.arange(half, dtype=torch.float64) * math.log(10000) / (half - 1))
    a = torch.arange(steps, dtype=torch.float64)[:, None] * f[None]
    return torch.cat([a.sin(), a.cos()], 1).float()


# ------------------------------------------------------------------ layers

def _init(layer, fan_in, fan_out, kind, scale):
    """docs/IMAGES.md §2.1: 'avg' U(±√(3s/fan_avg)), 'out' U(±√(3/fan_out)), bias 0; 'torch' PyTorch's."""
    if kind == "torch":
        return layer
    bound = math.sqrt(3 * scale / ((fan_in + fan_out) / 2)) if kind == "avg" else math.sqrt(3 / fan_out)
    with torch.no_grad():
        layer.weight.uniform_(-bound, bound)
        if layer.bias is not None:
            layer.bias.zero_()
    return layer


def linear(i, o, kind="avg", scale=1.0, bias=True):
    return _init(nn.Linear(i, o, bias=bias), i, o, kind, scale)


def conv(i, o, k, stride=1, pad=0, kind="avg", scale=1.0, bias=True):
    return _init(nn.Conv2d(i, o, k, stride, pad, bias=bias), i * k * k, o * k * k, kind, scale)


class GroupNorm(nn.Module):
    """min(C/4, 32) groups, eps 1e-6; affine, or AdaGN (scale and shift given per image)."""

    def __init__(self, c, adaptive=False):
        super().__init__()
        self.groups = min(c // 4, 32)
        self.adaptive = adaptive
        if not adaptive:
            self.weight = nn.Parameter(torch.ones(c))
            self.bias = nn.Parameter(torch.zeros(c))

    def forward(self, x, scale=None, shift=None):
        if not self.adaptive:
            return F.group_norm(x, self.groups, self.weight, self.bias, GN_EPS)
        return F.group_norm(x, self.groups, None, None, GN_EPS) * scale[:, :, None, None] + shift[:, :, None, None]


FIR_1D = torch.tensor([1.0, 3.0, 3.0, 1.0]) / 8


class Resample(nn.Module):
    """down / up by 2 ('mean': 2×2 mean, nearest; 'fir': [1,3,3,1]/8 with zeros outside),
    or 'blur', the input pyramid's FIR filter padded by 2 (side R+1)."""

    def __init__(self, kind, mode, c):
        super().__init__()
        self.kind, self.mode, self.c = kind, mode, c
        if mode == "fir" or kind == "blur":
            k2 = torch.outer(FIR_1D, FIR_1D)
            if kind == "up":
                k2 = k2 * 4  # gain 2 per axis: y[2i] = (x[i−1] + 3x[i])/4
            self.register_buffer("kernel", k2.expand(c, 1, 4, 4).contiguous(), persistent=False)

    def forward(self, x):
        if self.kind == "blur":
            return F.conv2d(x, self.kernel, padding=2, groups=self.c)
        if self.mode == "mean":
            return F.avg_pool2d(x, 2) if self.kind == "down" else F.interpolate(x, scale_factor=2, mode="nearest")
        if self.kind == "down":
            return F.conv2d(x, self.kernel, stride=2, padding=1, groups=self.c)
        return F.conv_transpose2d(x, self.kernel, stride=2, padding=1, groups=self.c)


class ResBlock(nn.Module):
    """BigGAN residual block (blocks.go resBlock)."""

    def __init__(self, cin, c, s, temb, adaptive, direction=None):
        super().__init__()
        self.adaptive = adaptive
        self.norm0, self.norm1 = GroupNorm(cin, adaptive), GroupNorm(c, adaptive)
        if adaptive:
            self.style0, self.style1 = self._style(s["zemb"], cin), self._style(s["zemb"], c)
        self.resample = Resample(direction, s["resample"], cin) if direction else None
        self.conv0 = conv(cin, c, 3, pad=1)
        self.temb = linear(temb, c)
        self.dropout = s["dropout"]
        self.conv1 = conv(c, c, 3, pad=1, scale=ZERO_SCALE)
        self.skip = conv(cin, c, 1) if cin != c or direction else None

    @staticmethod
    def _style(zd, c):  # AdaGN's Lin(zd → 2C), bias starting at γ = 1, β = 0
        l = linear(zd, 2 * c, kind="out")
        with torch.no_grad():
            l.bias[:c] = 1
        return l

    def _norm(self, n, style, x, zemb):
        if not self.adaptive:
            return n(x)
        gb = style(zemb)
        c = gb.shape[1] // 2
        return n(x, gb[:, :c], gb[:, c:])

    def forward(self, x, temb_act, k, zemb):
        h = F.silu(self._norm(self.norm0, getattr(self, "style0", None), x, zemb))
        if self.resample is not None:
            h, x = self.resample(h), self.resample(x)
        h = self.conv0(h) + self.temb(temb_act)[k][:, :, None, None]
        h = F.silu(self._norm(self.norm1, getattr(self, "style1", None), h, zemb))
        if self.dropout > 0:
            h = F.dropout(h, self.dropout, self.training)
        h = self.conv1(h)
        if self.skip is not None:
            x = self.skip(x)
        return (x + h) * INV_SQRT2


class AttnBlock(nn.Module):
    """Self-attention over the H·W positions (blocks.go attnBlock)."""

    def __init__(self, c):
        super().__init__()
        self.norm = GroupNorm(c)
        self.q, self.k, self.v = (linear(c, c, scale=0.1) for _ in range(3))
        self.o = linear(c, c, scale=ZERO_SCALE)

    def forward(self, x):
        B, C, H, W = x.shape
        h = self.norm(x).flatten(2).transpose(1, 2)  # B×HW×C
        w = torch.softmax(torch.bmm(self.q(h), self.k(h).transpose(1, 2)) * (1 / math.sqrt(C)), -1)
        out = self.o(torch.bmm(w, self.v(h))).transpose(1, 2).reshape(B, C, H, W)
        return (x + out) * INV_SQRT2


class PyramidDown(nn.Module):
    """NCSN++ input pyramid: FIR blur padded to R+1, 3×3 stride-2 conv, no padding, bias."""

    def __init__(self, cin, c):
        super().__init__()
        self.blur = Resample("blur", "fir", cin)
        self.conv = conv(cin, c, 3, stride=2)

    def forward(self, x):
        return self.conv(self.blur(x))


class Step(nn.Module):
    """One entry of the U-Net's schedule (unet.go block)."""

    def __init__(self, res=None, attn=None, pyramid=None, push=False, pop=False):
        super().__init__()
        self.res, self.attn, self.pyramid, self.push, self.pop = res, attn, pyramid, push, pop


class UNet(nn.Module):
    """U(x, k[, z]) of docs/IMAGES.md §2.1, built in unet.go newUNet's order."""

    def __init__(self, s, channels, side, nz=0):
        super().__init__()
        nf, temb = s["nf"], 4 * s["nf"]
        self.register_buffer("embed", sinusoidal(T, nf), persistent=False)
        self.temb0, self.temb1 = linear(nf, temb), linear(temb, temb)
        adaptive = nz > 0
        self.mapping = None
        if adaptive:
            zd = s["zemb"]
            self.mapping = nn.ModuleList([linear(nz, zd, kind="out")] +
                                         [linear(zd, zd, kind="out") for _ in range(s["map_layers"])])
        res = lambda cin, c, d=None: ResBlock(cin, c, s, temb, adaptive, d)
        self.inc = conv(channels, nf, 3, pad=1)
        steps, kept = [], [nf]
        ch, pyr_ch, last = nf, channels, len(s["ch_mult"]) - 1
        for level, mult in enumerate(s["ch_mult"]):
            c = nf * mult
            for _ in range(s["nrb"]):
                r = res(ch, c)
                ch = c
                steps.append(Step(r, AttnBlock(ch) if side in s["attn"] else None, push=True))
                kept.append(ch)
            if level == last:
                continue
            r = res(ch, ch, "down")
            side //= 2
            pyr = None
            if s["resample"] == "fir":
                pyr, pyr_ch = PyramidDown(pyr_ch, ch), ch
            steps.append(Step(r, pyramid=pyr, push=True))
            kept.append(ch)
        steps.append(Step(res(ch, ch), AttnBlock(ch)))
        steps.append(Step(res(ch, ch)))
        for level in range(last, -1, -1):
            c = nf * s["ch_mult"][level]
            for _ in range(s["nrb"] + 1):
                steps.append(Step(res(ch + kept.pop(), c), pop=True))
                ch = c
            if side in s["attn"]:
                steps.append(Step(attn=AttnBlock(ch)))
            if level > 0:
                steps.append(Step(res(ch, ch, "up")))
                side *= 2
        self.steps = nn.ModuleList(steps)
        self.out_norm = GroupNorm(ch)
        self.out = conv(ch, channels, 3, pad=1, scale=ZERO_SCALE)

    def forward(self, x, k, z=None):
        temb_act = F.silu(self.temb1(F.silu(self.temb0(self.embed))))  # the T steps, gathered per block
        zemb = None
        if self.mapping is not None:
            zemb = z * torch.rsqrt(z.square().mean(1, keepdim=True) + 1e-8)  # PixelNorm
            for l in self.mapping:
                zemb = F.silu(l(zemb))
        h = self.inc(x)
        kept, pyr = [h], x
        for st in self.steps:
            if st.pop:
                h = torch.cat([h, kept.pop()], 1)
            if st.res is not None:
                h = st.res(h, temb_act, k, zemb)
            if st.attn is not None:
                h = st.attn(h)
            if st.pyramid is not None:
                pyr = (st.pyramid(pyr) + h) * INV_SQRT2
                h = pyr
            if st.push:
                kept.append(h)
        return self.out(F.silu(self.out_norm(h)))


class Energy(nn.Module):  # E(x, k) = −½‖x − U(x, k)‖²
    def __init__(self, s, channels, side):
        super().__init__()
        self.U = UNet(s, channels, side)

    def forward(self, x, k):
        return -0.5 * (x - self.U(x, k)).square().flatten(1).sum(1)


class Generator(nn.Module):  # x̂0 = tanh(U(x_{k+1}, k; z))
    def __init__(self, s, channels, side, nz):
        super().__init__()
        self.U = UNet(s, channels, side, nz)

    def forward(self, xk1, z, k):
        return torch.tanh(self.U(xk1, k, z))


class Encoder(nn.Module):
    """q_ψ(z | x_k, x_{k+1}, k), Table 8 (encoder.go): PyTorch's default init."""

    def __init__(self, s, channels, side, nz):
        super().__init__()
        te, w = s["enc_temb"], s["enc_width"]
        self.register_buffer("embed", sinusoidal(T, te), persistent=False)
        self.t0, self.t1 = nn.Linear(te, te), nn.Linear(te, te)
        convs, projs, cin = [nn.Conv2d(2 * channels, w, 3, 1, 1, bias=False)], [nn.Linear(te, w)], w
        i = 1
        while side > 4:
            c = w << i
            convs.append(nn.Conv2d(cin, c, 4, 2, 1, bias=False))
            projs.append(nn.Linear(te, c))
            cin, side, i = c, side // 2, i + 1
        self.convs, self.projs = nn.ModuleList(convs), nn.ModuleList(projs)
        self.mean, self.logvar = nn.Conv2d(cin, nz, 4), nn.Conv2d(cin, nz, 4)

    def forward(self, xk, xk1, k):
        t = F.leaky_relu(self.t1(F.leaky_relu(self.t0(self.embed), LEAKY)), LEAKY)
        h = torch.cat([xk, xk1], 1)
        for c, p in zip(self.convs, self.projs):
            h = F.leaky_relu(c(h), LEAKY) + p(t)[k][:, :, None, None]
        return self.mean(h).flatten(1), self.logvar(h).flatten(1)


def count(net):
    return sum(p.numel() for p in net.parameters())


# -------------------------------------------------------------------- main

def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--config", choices=sorted(PRESETS), default="xs")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--channels", type=int, default=3)
    p.add_argument("--side", type=int, default=32, help="image side (a power of two ≥ 8)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--iters", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--device", default=None,
                   help="cpu, cuda, ...; default: torch's default device (cpu, or what torch_on_device.py set)")
    p.add_argument("--tf32", action="store_true", help="allow TF32 on CUDA (off: Go's CUDA backend is full float32)")
    p.add_argument("--counts-only", action="store_true", help="print the parameter counts and exit")
    p.add_argument("--no-check-counts", action="store_true", help="do not compare the counts with Go's")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    dev = torch.device(a.device) if a.device else torch.empty(0).device
    if dev.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = a.tf32
        torch.backends.cudnn.allow_tf32 = a.tf32
    s = PRESETS[a.config]
    C, H, B, nz = a.channels, a.side, a.batch, s["nz"]
    if H < 8 or H & (H - 1) or H % (1 << (len(s["ch_mult"]) - 1)):
        sys.exit(f"--side {H}: the encoder needs a power of two ≥ 8 (and the U-Net a multiple of 2^(levels−1))")

    E = Energy(s, C, H).to(dev).train()
    G = Generator(s, C, H, nz).to(dev).train()
    Q = Encoder(s, C, H, nz).to(dev).train()
    params = {"energy": count(E), "generator": count(G), "encoder": count(Q)}
    go = GO_PARAMS.get((a.config, C)) if H == 32 else None
    go_params = dict(zip(("energy", "generator", "encoder"), go)) if go else None
    if go_params and params != go_params and not a.no_check_counts:
        sys.exit(f"torch_image_step: parameter counts {params} differ from Go's {go_params} "
                 f"for {a.config} on {H}x{H}x{C}: the peer's networks do not match core/models/unet")
    out = {"peer": "pytorch", "torch": torch.__version__, "device": str(dev), "threads": a.threads,
           "config": a.config, "batch": B, "image": [C, H, H], "params": params, "go_params": go_params}
    if dev.type == "cuda":
        out["device_name"] = torch.cuda.get_device_name(dev)
        out["tf32"] = a.tf32
    if a.counts_only:
        print(json.dumps(out))
        return

    sch = Schedule(dev)
    optE = torch.optim.Adam(E.parameters(), lr=LR, betas=BETAS, eps=1e-8)
    optG = torch.optim.Adam(list(G.parameters()) + list(Q.parameters()), lr=LR, betas=BETAS, eps=1e-8)
    e_params, g_params = list(E.parameters()), list(G.parameters())
    with torch.no_grad():
        e_avg, g_avg = [q.detach().clone() for q in e_params], [q.detach().clone() for q in g_params]
    decay = s["ema"]

    def ema(avg, live):
        with torch.no_grad():
            torch._foreach_lerp_(avg, live, 1 - decay)

    x0 = torch.rand(B, C, H, H, device=dev) * 2 - 1  # synthetic images in [−1, 1]
    stats = {}

    def draw():
        k = torch.randint(0, T, (B,), device=dev)
        with torch.no_grad():
            xk, xk1 = sch.pair(x0, k)
        return k, xk, xk1

    def energy_step(k, xk, xk1):
        with torch.no_grad():  # fakes detached from the generator
            z = torch.randn(B, nz, device=dev)
            fake = sch.posterior_sample(G(xk1, z, k), xk1, k, torch.randn_like(x0))
        x = xk.detach().requires_grad_(True)
        e_real, e_fake = E(x, k), E(fake, k)
        loss = (W_FAKE * e_fake - e_real).mean()
        (grad,) = torch.autograd.grad((e_real + sch.log_transition(xk1, x, k)).sum(), x, create_graph=True)
        penalty = grad.square().flatten(1).sum(1).mean()
        loss = loss + GAMMA / 2 * penalty
        le, pen, gap = torch.stack([loss, penalty, e_real.mean() - e_fake.mean()]).tolist()
        if not math.isfinite(le):
            sys.exit(f"energy loss is {le}")
        stats.update(loss_e=le, penalty=pen, e_gap=gap)
        optE.zero_grad()
        loss.backward()
        optE.step()
        ema(e_avg, e_params)

    def generator_step(k, xk, xk1):
        for q in e_params:
            q.requires_grad_(False)
        z = torch.randn(B, nz, device=dev)
        noise = torch.randn_like(x0)
        eps = torch.randn(B, nz, device=dev)
        fake = sch.posterior_sample(G(xk1, z, k), xk1, k, noise)
        loss = -(E(fake, k) + sch.log_transition(xk1, fake, k)).mean()
        mu, lv = Q(fake, xk1, k)
        loss = loss - W_ENT * gauss_logpdf(z, mu, lv).mean()
        mu, lv = Q(xk, xk1, k)  # eq. 19 on the real pair
        zq = mu + torch.exp(0.5 * lv) * eps
        kl = 0.5 * (mu.square() + lv.exp() - 1 - lv).sum(1)
        rec = sch.posterior_logpdf(xk, G(xk1, zq, k), xk1, k)
        l2 = ((kl - rec) * sch.lam[k]).mean()
        loss = loss + l2
        lg, l2v = torch.stack([loss, l2]).tolist()
        if not math.isfinite(lg):
            sys.exit(f"generator loss is {lg}")
        stats.update(loss_g=lg, l2=l2v)
        optG.zero_grad()
        loss.backward()
        optG.step()
        ema(g_avg, g_params)
        for q in e_params:
            q.requires_grad_(True)

    def clock():
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)
        return time.perf_counter()

    it, en, ge = [], [], []
    for i in range(a.warmup + a.iters):
        t0 = clock()
        k, xk, xk1 = draw()
        t1 = clock()
        energy_step(k, xk, xk1)
        t2 = clock()
        generator_step(k, xk, xk1)
        t3 = clock()
        if i >= a.warmup:
            it.append(1e3 * (t3 - t0))
            en.append(1e3 * (t2 - t1))
            ge.append(1e3 * (t3 - t2))
    out.update(iters=a.iters, warmup=a.warmup, dropout=s["dropout"],
               ms_per_iter_median=statistics.median(it), energy_ms_median=statistics.median(en),
               generator_ms_median=statistics.median(ge), last_stats=stats)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
