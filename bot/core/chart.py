"""Charts drawn headless as PNG files, for posts that attach an image.

matplotlib is imported inside the drawing function: most runs never draw a chart, and start-up
must not pay for the import. It is used through its object API on the Agg canvas (no pyplot and
its global figure state), under a lock, because drawing runs in a worker thread.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

WIDTH, HEIGHT, DPI = 800, 400, 100  # pixels, and the resolution that makes them
BAR = "#5865F2"
_drawing = threading.Lock()


def week_bars(labels: list[str], values: list[int], title: str, path: Path) -> Path:
    """One bar per week with its points above it (a week without points has none), written to `path`
    whole: a reader never sees half a file."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    with _drawing:
        figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        bars = axes.bar(range(len(values)), values, width=0.6, color=BAR)
        axes.bar_label(bars, labels=[str(v) if v else "" for v in values], padding=3)
        axes.set_xticks(range(len(values)), labels)
        axes.set_ylim(0, max(max(values, default=0), 1) * 1.2)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.yaxis.grid(True, color="#e3e5e8")
        axes.set_axisbelow(True)
        axes.spines[["top", "right"]].set_visible(False)
        axes.set_ylabel("points")
        axes.set_title(title, parse_math=False)
        figure.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        figure.savefig(partial, format="png")
        os.replace(partial, path)
    return path
