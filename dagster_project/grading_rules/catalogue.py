"""The metric catalogue: the only metric names a grading model may score.

The catalogue lives in seeds/metric_catalogue.csv because the warehouse computes exactly those
columns; a model naming anything else would score NULL for every customer without failing, so the
validator checks names against this file before anything runs.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CATALOGUE_PATH = PROJECT_ROOT / "seeds" / "metric_catalogue.csv"


@dataclass(frozen=True)
class Metric:
    """One catalogue row; higher_is_better lets the validator flag rankings run backwards."""

    name: str
    unit: str
    window: str
    higher_is_better: bool
    description: str


def load_catalogue(path: Path | None = None) -> dict[str, Metric]:
    """Read the catalogue CSV into a name -> Metric mapping, in file order."""
    path = Path(path) if path is not None else DEFAULT_CATALOGUE_PATH
    metrics: dict[str, Metric] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            name = (row.get("metric") or "").strip()
            if not name:
                continue
            metrics[name] = Metric(
                name=name,
                unit=(row.get("unit") or "").strip(),
                window=(row.get("window") or "").strip(),
                higher_is_better=(row.get("higher_is_better") or "true").strip().lower()
                in ("true", "1", "yes"),
                description=(row.get("description") or "").strip(),
            )
    return metrics
