"""Sizes that do not fit in memory are refused before anything is
allocated: a Go out-of-memory is fatal and would take the interpreter (and
a Jupyter kernel) down. Each is TooLargeError, a ddaebm.Error and a
MemoryError, naming what was asked; the model stays usable."""

import pytest

import ddaebm

HUGE = 10**12


@pytest.mark.parametrize("size", [{"hidden": 10**6}, {"z_dim": HUGE}, {"T": HUGE}, {"dim": HUGE}])
def test_huge_configurations(size):
    with pytest.raises(ddaebm.TooLargeError, match="needs about") as e:
        ddaebm.Model.toy("25gaussians", **size)
    assert isinstance(e.value, MemoryError) and isinstance(e.value, ddaebm.Error)


def test_huge_batch_is_refused_when_training():
    m = ddaebm.Model.toy("25gaussians", hidden=8, batch=HUGE)
    with pytest.raises(ddaebm.TooLargeError, match=f"batches of {HUGE}"):
        m.fit("25gaussians", 1, progress=False)
    assert m.step == 0


def test_huge_calls():
    m = ddaebm.Model.toy("25gaussians", hidden=8)
    calls = {
        "grid": lambda: m.evaluate_toy(grid_n=10**6),
        "test points": lambda: m.evaluate_toy(test_n=HUGE),
        "samples": lambda: m.evaluate_toy(sample_n=HUGE),
        "sample": lambda: m.sample(2 * HUGE),
        "density grid": lambda: m.density_grid(n=10**6),
        "toy": lambda: ddaebm.toy("25gaussians", HUGE),
    }
    for what, call in calls.items():
        with pytest.raises(ddaebm.TooLargeError) as e:
            call()
        print(f"{what}: {e.value}")
    assert m.sample(3, seed=0).shape == (3, 2)
