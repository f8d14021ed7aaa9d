"""Image models (Model.image): configuration, training on arrays and on
the built-in sets, samples and energies as (n, C, H, W) images."""

import numpy as np
import pytest

import ddaebm

# Tiny networks: the plumbing, not the model.
TINY = dict(nf=4, ch_mult=[1, 2], res_blocks=1, attn_res=[4], z_embed=4, map_layers=1,
            enc_width=2, enc_temb=4, z_dim=3, batch=4, seed=0)


def images(n=6, c=2, side=8, seed=0):
    return np.random.default_rng(seed).integers(0, 256, size=(n, c, side, side), dtype=np.uint8)


def test_image_model_trains_samples_and_scores(tmp_path):
    x = images()
    m = ddaebm.Model.image(x, "xs", device="cpu", **TINY)
    assert m.image_shape == (2, 8, 8) and m.dim == 128
    assert m.config["model"] == "unet" and m.config["net"]["nf"] == 4
    history = m.fit(None, 3, checkpoint_dir=tmp_path, progress=False, flip=True)
    assert history["step"].tolist() == [1, 2, 3]
    assert np.isfinite(history["loss_e"]).all() and np.isfinite(history["loss_g"]).all()
    s = m.sample(5, seed=1)
    assert s.shape == (5, 2, 8, 8) and s.dtype == np.float32
    assert (s >= -1).all() and (s <= 1).all()
    e = m.energy(s)
    assert e.shape == (5,) and np.isfinite(e).all()
    real = x[:5].astype(np.float32) / 127.5 - 1
    back = ddaebm.Model.load(tmp_path, device="cpu")
    assert back.image_shape == (2, 8, 8)
    np.testing.assert_array_equal(back.energy(real), m.energy(real))


def test_image_errors():
    m = ddaebm.Model.image(images(), "xs", device="cpu", **TINY)
    with pytest.raises(ddaebm.InvalidArgumentError, match=r"\(n, 2, 8, 8\)"):
        m.energy(np.zeros((3, 128), np.float32))
    with pytest.raises(ValueError, match="not a pixel value"):
        m.fit(np.full((4, 2, 8, 8), 2.0, np.float32), 1, progress=False)
    with pytest.raises(ValueError, match="16x16x2"):
        m.fit(images(side=16), 1, progress=False)
    with pytest.raises(ValueError, match="huge"):
        ddaebm.Model.image(images(), "huge", device="cpu")
    with pytest.raises(ddaebm.InvalidArgumentError, match="N, C, H, W"):
        ddaebm.Model.image(np.zeros((3, 64)), "xs", device="cpu")


def test_stackedmnist_image_model():
    m = ddaebm.Model.image("stackedmnist", "xs", device="cpu", **TINY)
    assert m.image_shape == (3, 32, 32)
    m.fit(None, 1, progress=False)
    assert m.config["data"] == "stackedmnist"


def test_export_images_and_grid(tmp_path):
    x = np.linspace(-1, 1, 2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    ddaebm.export_images(x, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["000000.png", "000001.png", "images.npz"]
    pixels = np.load(tmp_path / "images.npz")["images"]
    assert pixels.shape == (2, 4, 5, 3) and pixels.dtype == np.uint8
    np.testing.assert_array_equal(pixels, np.round((x.transpose(0, 2, 3, 1) + 1) / 2 * 255).astype(np.uint8))
    with pytest.raises(ddaebm.InvalidArgumentError, match="1 or 3"):
        ddaebm.export_images(np.zeros((2, 2, 4, 4)), tmp_path)
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    ax = ddaebm.plot.image_grid(x, ncols=1)
    assert ax.images[0].get_array().shape == (2 * 6, 7, 3)


def test_ood_auroc_of_an_image_model():
    m = ddaebm.Model.image("stackedmnist", "xs", device="cpu", **TINY)
    digits = np.random.default_rng(0).uniform(0, 1, size=(6, 3, 28, 28)).astype(np.float32)
    auroc, scores = ddaebm.ood_auroc(m, digits, seed=1, extra={"blank": np.zeros((4, 3, 32, 32), np.float32)})
    assert set(auroc) >= {"blank", "generator", "generator_1step"}
    assert all(0 <= v <= 1 for v in auroc.values())
    assert scores["blank"].shape == (4,)
    with pytest.raises(ddaebm.InvalidArgumentError, match=r"\(n, 3, 32, 32\)"):
        ddaebm.ood_auroc(m, np.zeros((2, 784), np.float32))
