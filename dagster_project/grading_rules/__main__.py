"""`python -m dagster_project.grading_rules [PATH ...] [--out DIR]`: validate, optionally compile.

Lets a data engineer check an edited model from the shell (or a pre-commit hook) without
starting Dagster; exits 1 when any file has an error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .catalogue import PROJECT_ROOT
from .compiler import compile_models, write_compiled
from .validation import validate_paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dagster_project.grading_rules",
        description="Validate grading-model YAML files and optionally compile them to Parquet.",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        default=[PROJECT_ROOT / "grading_models"],
        help="model files or directories (default: grading_models/)",
    )
    parser.add_argument("--catalogue", type=Path, default=None, help="metric catalogue CSV")
    parser.add_argument("--out", type=Path, default=None, help="write compiled tables here")
    args = parser.parse_args(argv)
    report = validate_paths(args.paths, args.catalogue)
    print(report.format())
    if not report.ok:
        return 1
    if args.out is not None:
        write_compiled(compile_models(report.models), args.out)
        print(f"compiled {len(report.models)} model(s) into {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
