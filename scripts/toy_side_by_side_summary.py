"""Summarise the runs of toy_side_by_side.sh: median and range over seeds
of the grid NLL (and, on 25gaussians, modes and high-quality fraction) per
implementation and toy set into OUT/summary.tsv, and one picture per set,
OUT/NAME.png, with a row of densities exp(E(x, 0)) per implementation and a
column per seed.

    python scripts/toy_side_by_side_summary.py runs/side-by-side
"""
import json, os, sys
import numpy as np
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import ddaebm

out = sys.argv[1]
impls = sorted(d for d in os.listdir(out) if d not in ("bin", "data") and os.path.isdir(f"{out}/{d}"))
runs = {}  # (impl, set) -> [(seed, metrics, run directory)]
for impl in impls:
    for name in sorted(os.listdir(f"{out}/{impl}")):
        for seed in sorted(os.listdir(f"{out}/{impl}/{name}"), key=int):
            p = f"{out}/{impl}/{name}/{seed}"
            if os.path.exists(f"{p}/metrics.json"):
                runs.setdefault((impl, name), []).append((seed, json.load(open(f"{p}/metrics.json")), p))

fmt = lambda v, f: f"{np.median(v):{f}} [{min(v):{f}}, {max(v):{f}}]"
rows = []
for (impl, name), rs in sorted(runs.items(), key=lambda kv: (kv[0][1], kv[0][0])):
    nll = [m["grid_nll"] for _, m, _ in rs]
    last = [m.get("grid_nll_last_weights", m["grid_nll"]) for _, m, _ in rs]
    s = f"{name}\t{impl}\tseeds {','.join(seed for seed, _, _ in rs)}\tgrid_nll {fmt(nll, '.3f')}"
    if last != nll:
        s += f"\tlast weights {fmt(last, '.3f')}"
    if name == "25gaussians":
        for label, file in (("", "samples.npy"), (" last generator weights", "samples-last.npy")):
            if all(os.path.exists(f"{p}/{file}") for _, _, p in rs):
                cov = [ddaebm.metrics.mode_coverage(np.load(f"{p}/{file}")) for _, _, p in rs]
                s += f"\tmodes{label} {fmt([c[0] for c in cov], '.0f')}\thq{label} {fmt([c[1] for c in cov], '.3f')}"
    rows.append(s)
open(f"{out}/summary.tsv", "w").write("\n".join(rows) + "\n")
print("\n".join(rows))

for name in sorted({n for _, n in runs}):
    rows_ = [(impl, runs[(impl, name)]) for impl in impls if (impl, name) in runs]
    cols = max(len(rs) for _, rs in rows_)
    fig, axes = plt.subplots(len(rows_), cols, figsize=(2.6 * cols, 2.6 * len(rows_)), squeeze=False)
    for r, (impl, rs) in enumerate(rows_):
        for c in range(cols):
            ax = axes[r][c]
            ax.set_xticks([]); ax.set_yticks([])
            if c >= len(rs) or not os.path.exists(f"{rs[c][2]}/density.npy"):
                ax.axis("off")
                continue
            seed, m, p = rs[c]
            ax.imshow(np.exp(np.load(f"{p}/density.npy")), origin="lower", cmap="viridis")
            ax.set_title(f"{impl} seed {seed}: {m['grid_nll']:.2f}", fontsize=8)
    fig.suptitle(f"{name}: exp(E(x, 0)) on the grid, grid NLL in nats", fontsize=9)
    fig.tight_layout()
    fig.savefig(f"{out}/{name}.png", dpi=80)
    plt.close(fig)
