"""Generate grading_models/grading-model.schema.json from the pydantic models.

The schema file is committed so editors (via the `yaml-language-server: $schema=` comment at the
top of each model file) offer completion and inline errors without running Python. `--check`
lets CI fail when someone changes `schema.py` but forgets to regenerate the file.

    python -m dagster_project.grading_rules.jsonschema_export [--check]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .catalogue import PROJECT_ROOT
from .schema import GradingModel

SCHEMA_PATH = PROJECT_ROOT / "grading_models" / "grading-model.schema.json"


def generate_schema() -> dict[str, Any]:
    """The JSON Schema of one grading-model file."""
    schema = GradingModel.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def render_schema() -> str:
    """The exact text of the committed file, so --check can compare byte for byte."""
    return json.dumps(generate_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if the committed schema differs from the generated one instead of writing",
    )
    parser.add_argument("--output", type=Path, default=SCHEMA_PATH, help="schema file to write")
    args = parser.parse_args(argv)
    text = render_schema()
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
        if current != text:
            print(
                f"{args.output} is out of date; regenerate it with "
                "python -m dagster_project.grading_rules.jsonschema_export",
                file=sys.stderr,
            )
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
