"""A class's labelled drawings as files: .npz in the Keras layout (x, y) and a .csv beside it."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from mlp.classroom.records import Labelled
from mlp.files import staged

CSV_COLUMNS = ("nickname", "label", "reading", "confidence", "sent")  # never a token


def paths(out: Path) -> tuple[Path, Path]:
    """OUT.npz and OUT.csv (a .npz or .csv suffix on `out` is dropped first)."""
    base = out.with_suffix("") if out.suffix in (".npz", ".csv") else out
    return base.parent / f"{base.name}.npz", base.parent / f"{base.name}.csv"


def write(labelled: Labelled, out: Path) -> tuple[Path, Path]:
    """Write both files (each whole or not at all); their paths."""
    npz_path, csv_path = paths(out)
    npz_path.parent.mkdir(parents=True, exist_ok=True)
    with staged(npz_path, csv_path) as (npz_temp, csv_temp):
        # x_not_digits, empty, makes the file usable as it is by `mlp train --extra-data`.
        np.savez_compressed(npz_temp, x=labelled.x, y=labelled.y.astype(np.uint8),  # as MNIST's y
                            x_not_digits=np.zeros((0, 28, 28), dtype=np.uint8))
        with open(csv_temp, "w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(CSV_COLUMNS)
            for i in range(len(labelled)):
                writer.writerow([labelled.nickname[i], int(labelled.y[i]), int(labelled.reading[i]),
                                 f"{float(labelled.confidence[i]):.4f}",
                                 labelled.sent[i].isoformat(timespec="seconds")])
    return npz_path, csv_path
