"""Progress display for fit: tqdm when installed (a widget in Jupyter, a
bar in a terminal), a plain status line otherwise."""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, total: int, enabled: bool = True, desc: str = "fit"):
        self.total, self.done = total, 0
        self._bar = None
        self._enabled = enabled
        self._t0 = self._last = time.monotonic()
        if not enabled:
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:
            self._tty = sys.stderr.isatty()
        else:
            self._bar = tqdm(total=total, desc=desc, unit="it", dynamic_ncols=True)

    def update(self, n: int, step: int, stats: dict[str, float]) -> None:
        self.done += n
        if not self._enabled:
            return
        if self._bar is not None:
            self._bar.update(n)
            self._bar.set_postfix(step=step, loss_e=f"{stats['loss_e']:.3g}",
                                  loss_g=f"{stats['loss_g']:.3g}", refresh=False)
            return
        now = time.monotonic()
        # A terminal line is rewritten in place; logs and notebooks get a
        # line every few seconds instead of thousands.
        if now - self._last < (0.2 if self._tty else 5.0) and self.done < self.total:
            return
        self._last = now
        rate = self.done / max(now - self._t0, 1e-9)
        eta = (self.total - self.done) / rate if rate > 0 else float("inf")
        line = (f"step {step} ({self.done}/{self.total}, {100 * self.done / self.total:.0f}%) "
                f"{rate:.0f} it/s ETA {eta:.0f}s loss_e {stats['loss_e']:.3g} loss_g {stats['loss_g']:.3g}")
        sys.stderr.write(("\r" + line + "\033[K") if self._tty else line + "\n")
        sys.stderr.flush()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        elif self._enabled and self._tty:
            sys.stderr.write("\n")
            sys.stderr.flush()
