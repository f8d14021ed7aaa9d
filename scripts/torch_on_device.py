"""Runs a PyTorch timing peer written for the CPU on a CUDA device.

    python3 scripts/torch_on_device.py cuda PEER.py [peer arguments...]

Tensors are created on the device by default (torch.set_default_device,
PyTorch 2.0 or later), arrays the peer converts from numpy are moved
there, and the peer's clock (time.perf_counter) waits for the device
first, so each step's time includes its GPU work. The peer itself is
unchanged, so the GPU figure comes from the same code as the CPU one.
"""
import runpy
import sys
import time

import torch


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    device, peer = sys.argv[1], sys.argv[2]
    sys.argv = [peer] + sys.argv[3:]
    if device != "cpu":
        if not hasattr(torch, "set_default_device"):
            sys.exit(f"torch {torch.__version__} lacks set_default_device: PyTorch 2.0 or later is needed on {device}")
        torch.set_default_device(device)
        from_numpy = torch.from_numpy
        torch.from_numpy = lambda a: from_numpy(a).to(device)
        clock = time.perf_counter

        def synced():
            torch.cuda.synchronize()
            return clock()

        time.perf_counter = synced
    runpy.run_path(peer, run_name="__main__")


if __name__ == "__main__":
    main()
