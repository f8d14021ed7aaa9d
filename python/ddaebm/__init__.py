"""ddaebm: Denoising Diffusion Adversarial Energy-Based Models (Geng et al.,
ICML 2024), trained and evaluated by a Go engine.

    import ddaebm
    m = ddaebm.Model.toy("pinwheel", hidden=64, seed=0)
    m.fit("pinwheel", 2000)
    x = m.sample(5000)                # (5000, 2) float32
    e = m.energy(x)                   # (5000,) float64, higher = more likely
    xs, ys, p = m.density_grid()      # density normalised on a grid
    ddaebm.metrics.auroc(m.energy(ddaebm.toy("pinwheel", 1000)), m.energy(noise))
    ddaebm.log_likelihood(ddaebm.Model.load("runs/mnist"), ddaebm.mnist("test")[0])

    m = ddaebm.Model.image("stackedmnist", "xs")   # U-Nets on 3×32×32 images
    m.fit(None, 500)
    x = m.sample(64)                  # (64, 3, 32, 32) float32 in [-1, 1]
    ddaebm.plot.image_grid(x); ddaebm.export_images(x, "samples/")

Arrays are numpy; they cross to Go as one memory copy, never element by
element. Errors are ddaebm.Error subclasses (InvalidArgumentError is also a
ValueError, MissingFileError a FileNotFoundError, TooLargeError a MemoryError:
sizes that do not fit in memory are refused before anything is allocated;
ModelBusyError when another thread's fit is training the model). A Go panic
surfaces as ddaebm.GoPanic instead of killing the interpreter. Ctrl-C stops
every long call within a second.

The Go runtime does not survive fork(): use multiprocessing with the
"spawn" start method (multiprocessing.get_context("spawn")) in programs
that import ddaebm.
"""

from . import metrics, plot
from ._data import load_npy, save_npy, toy, toy_limit, toy_names
from ._errors import Error, GoPanic, InvalidArgumentError, MissingFileError, ModelBusyError, TooLargeError
from .images import export_images
from .mnist import log_likelihood, mnist, ood_auroc, ood_sets, preprocess, stacked_mnist_modes
from .model import Model

__all__ = [
    "Model", "toy", "toy_names", "toy_limit", "load_npy", "save_npy",
    "mnist", "preprocess", "ood_sets", "log_likelihood", "ood_auroc", "stacked_mnist_modes", "export_images",
    "metrics", "plot", "Error", "InvalidArgumentError", "MissingFileError", "TooLargeError", "ModelBusyError",
    "GoPanic",
]
__version__ = "0.1.0"
