"""The `grading` command line: demo, generate, run, validate, explain, simulate, backtest.

Exit codes: 0 success, 1 the run failed, 2 the input was refused (invalid model or landing data,
bad arguments) before anything was written.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import re
import sys
import warnings
from pathlib import Path

from dagster_project.settings import ENV_DATA_DIR, ENV_MODELS_DIR, ENV_WAREHOUSE, Paths


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (expected YYYY-MM-DD)") from None


def _add_path_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", help=f"landing folder (env {ENV_DATA_DIR}, default ./demo_data)")
    parser.add_argument(
        "--warehouse",
        help=f"DuckDB file (env {ENV_WAREHOUSE}, default ./warehouse/grading.duckdb)",
    )
    parser.add_argument(
        "--models", help=f"grading-model folder (env {ENV_MODELS_DIR}, default ./grading_models)"
    )


def _paths(args: argparse.Namespace) -> Paths:
    return Paths.from_env(args.data, args.warehouse, args.models)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grading", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="generate demo data and grade the last 90 days")
    _add_path_options(demo)
    demo.add_argument("--customers", type=int, default=5000)
    demo.add_argument("--years", type=float, default=2.0)
    demo.add_argument("--days", type=int, default=90, help="snapshot dates to grade")
    demo.add_argument("--end-date", type=_date, default=None, help="last snapshot date")
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--verbose", action="store_true", help="log every Dagster/dbt step")

    generate = commands.add_parser("generate", help="write a deterministic demo landing folder")
    generate.add_argument("--out", required=True, type=Path)
    generate.add_argument("--customers", type=int, default=5000)
    generate.add_argument("--years", type=float, default=2.0)
    generate.add_argument("--end-date", type=_date, default=None)
    generate.add_argument("--seed", type=int, default=42)
    generate.add_argument("--format", choices=["csv", "parquet"], default="csv")
    generate.add_argument("--no-bad-rows", action="store_true")

    run = commands.add_parser(
        "run", help="grade one snapshot date or a range (one Dagster run per memory-sized piece)"
    )
    _add_path_options(run)
    run.add_argument("--date", type=_date, help="the snapshot date to grade")
    run.add_argument("--start", type=_date, help="first snapshot date of a range")
    run.add_argument("--end", type=_date, help="last snapshot date of a range (inclusive)")
    run.add_argument("--verbose", action="store_true", help="log every Dagster/dbt step")
    run.add_argument(
        "--dates-per-run",
        type=int,
        metavar="N",
        help="grade a range as runs of at most N dates (default: sized from the customer count "
        "and GRADING_DUCKDB_MEMORY_LIMIT, or GRADING_DATES_PER_RUN)",
    )
    run.add_argument(
        "--reaggregate-days",
        type=int,
        metavar="N",
        help="re-aggregate the last N days of raw history (default 35; a large N after "
        "corrections to old landing rows)",
    )

    validate = commands.add_parser("validate", help="check grading-model files")
    validate.add_argument(
        "paths", nargs="*", type=Path, help="files or folders (default: --models)"
    )
    validate.add_argument("--models", help=f"grading-model folder (env {ENV_MODELS_DIR})")

    explain = commands.add_parser("explain", help="why a customer has its grade")
    _add_path_options(explain)
    explain.add_argument("customer_id")
    explain.add_argument("--date", type=_date, help="snapshot date (default: the latest)")
    explain.add_argument("--model", help="one grading model (default: all that grade it)")
    explain.add_argument(
        "--history",
        action="store_true",
        help="score and grade per snapshot, and what moved each grade change",
    )
    explain.add_argument("--start", type=_date, help="with --history: first snapshot date")
    explain.add_argument("--end", type=_date, help="with --history: last snapshot date")

    simulate = commands.add_parser(
        "simulate", help="grade a snapshot under a proposed model without writing any snapshot"
    )
    _add_path_options(simulate)
    simulate.add_argument("proposal", type=Path, help="the proposed grading-model file")
    simulate.add_argument(
        "--against", help="live model to compare with (default: the proposal's name)"
    )
    simulate.add_argument("--date", type=_date, help="snapshot date (default: the latest graded)")
    simulate.add_argument("--top", type=int, default=20, help="changed customers to print")
    simulate.add_argument("--out", type=Path, help="also write CSV and JSON files here")

    backtest = commands.add_parser(
        "backtest", help="grade the history under a model and measure stability and prediction"
    )
    _add_path_options(backtest)
    backtest.add_argument("model_file", type=Path, help="the grading-model file to backtest")
    backtest.add_argument("--start", type=_date, required=True, help="first evaluation date")
    backtest.add_argument("--end", type=_date, required=True, help="last evaluation date")
    backtest.add_argument("--every", default="1d", help="step between evaluation dates (7d)")
    backtest.add_argument(
        "--out",
        type=Path,
        help="output folder (default: <warehouse stem>_whatif/backtests/<model>/ beside the "
        "warehouse)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Dagster flags beta APIs on every import; they are known and pinned in pyproject.toml.
    warnings.filterwarnings("ignore", message=".*is currently in beta.*")
    handler = {
        "demo": _cmd_demo,
        "generate": _cmd_generate,
        "run": _cmd_run,
        "validate": _cmd_validate,
        "explain": _cmd_explain,
        "simulate": _cmd_simulate,
        "backtest": _cmd_backtest,
    }[args.command]
    return handler(args)


def _default_end_date() -> dt.date:
    return dt.date.today() - dt.timedelta(days=1)


def _cmd_generate(args: argparse.Namespace) -> int:
    from dagster_project.demo_data import generate

    summary = generate(
        args.out,
        customers=args.customers,
        years=args.years,
        end_date=args.end_date or _default_end_date(),
        seed=args.seed,
        fmt=args.format,
        bad_rows=not args.no_bad_rows,
    )
    print(f"wrote {summary.out_dir}: " + ", ".join(f"{k} {v:,}" for k, v in summary.rows.items()))
    return 0


def _grade(
    paths: Paths,
    first: dt.date,
    last: dt.date,
    verbose: bool = False,
    dashboard: bool = True,
    dates_per_run: int | None = None,
) -> int:
    """Grade [first, last] as one Dagster run, or as consecutive runs when it is too long."""
    from dagster_project.dashboard_data import report_path
    from dagster_project.range_pieces import RangeSettingError, split_range
    from dagster_project.range_pieces import dates_per_run as size_runs
    from dagster_project.reporting import change_summary, grade_summary
    from dagster_project.run_job import RunRefusedError, preflight

    try:
        for warning in preflight(paths):
            print(f"warning: {warning}", file=sys.stderr)
        if last < first:
            raise RunRefusedError(f"--end {last} is before --start {first}")
        pieces, size, why = [(first, last)], 1, "one date"
        if last > first:
            size, why = size_runs(paths.data_dir, dates_per_run)
            pieces = split_range(first, last, size)
    except (RunRefusedError, RangeSettingError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if len(pieces) > 1:
        print(
            f"grading {first} .. {last} as {len(pieces)} runs of at most {size} dates ({why}; "
            "docs/orchestration.md#how-long-a-range-fits-in-memory)",
            flush=True,
        )
    for index, (start, end) in enumerate(pieces):
        if not _grade_one_run(paths, start, end, verbose, alert_window_end=last):
            if index > 0:
                print(
                    f"error: {first} .. {pieces[index - 1][1]} are graded; {start} .. {last} "
                    f"are not. Re-run `grading run --start {start} --end {last}` once the "
                    "cause is fixed",
                    file=sys.stderr,
                )
            return 1
    print(grade_summary(paths, last))
    print(change_summary(paths, last))
    if dashboard:
        print(f"Dashboard: {report_path(paths)}")
    return 0


def _grade_one_run(
    paths: Paths, first: dt.date, last: dt.date, verbose: bool, alert_window_end: dt.date
) -> bool:
    """One Dagster run over [first, last]; prints where its log is and why it failed."""
    from dagster_project.run_job import run_grading

    print(f"grading {first} .. {last} ...", flush=True)
    if verbose:
        outcome = run_grading(paths, first, last, "DEBUG", alert_window_end)
        log_file = None
    else:
        # dagster-dbt echoes every dbt event on stdout; keep it in a log file instead
        log_dir = paths.warehouse.parent / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        log_file = log_dir / f"grading-{dt.datetime.now():%Y%m%dT%H%M%S%f}.log"
        with open(log_file, "w", encoding="utf-8") as log, contextlib.redirect_stdout(log):
            outcome = run_grading(paths, first, last, "ERROR", alert_window_end)
    if not outcome.success:
        if log_file is not None:
            lines = log_file.read_text(encoding="utf-8").splitlines()
            failures = [line for line in lines if re.search(r"\b(FAIL|ERROR)\b", line)]
            print("\n".join(failures[:20] + lines[-5:]), file=sys.stderr)
            if any("Out of Memory Error" in line for line in lines):
                print(_out_of_memory_hint(first, last), file=sys.stderr)
        where = f"full log: {log_file}" if log_file else "see the log above"
        print(f"error: grading run {outcome.run_id} failed ({where})", file=sys.stderr)
        return False
    print(f"graded {first} .. {last} into {paths.warehouse} (run {outcome.run_id})")
    if log_file is not None:
        print(f"dbt and Dagster log: {log_file}")
    return True


def _out_of_memory_hint(first: dt.date, last: dt.date) -> str:
    """What to do when DuckDB ran out of memory: the run holds every date's scores at once."""
    days = (last - first).days + 1
    limit = os.environ.get("GRADING_DUCKDB_MEMORY_LIMIT", "3GB")
    if days == 1:  # nothing to split: a first load aggregates the whole history at once
        return (
            f"error: DuckDB ran out of memory (GRADING_DUCKDB_MEMORY_LIMIT={limit}) grading one "
            "date. Raise GRADING_DUCKDB_MEMORY_LIMIT for this run (a first load aggregates the "
            "whole history; later runs need less); see "
            "docs/orchestration.md#how-long-a-range-fits-in-memory"
        )
    return (
        f"error: DuckDB ran out of memory (GRADING_DUCKDB_MEMORY_LIMIT={limit}) grading {days} "
        "date(s) in one run. Grade the range in shorter runs (--dates-per-run N, or "
        "GRADING_DATES_PER_RUN; re-grading a date replaces its rows) or raise "
        "GRADING_DUCKDB_MEMORY_LIMIT; see docs/orchestration.md#how-long-a-range-fits-in-memory"
    )


def _cmd_run(args: argparse.Namespace) -> int:
    if args.reaggregate_days is not None:
        if args.reaggregate_days < 1:
            print("error: --reaggregate-days must be at least 1", file=sys.stderr)
            return 2
        os.environ["GRADING_AGGREGATE_LOOKBACK_DAYS"] = str(args.reaggregate_days)
    if args.date and (args.start or args.end):
        print("error: give either --date or --start/--end", file=sys.stderr)
        return 2
    if args.dates_per_run is not None and not (args.start or args.end):
        print("error: --dates-per-run goes with --start/--end", file=sys.stderr)
        return 2
    if args.date:
        first = last = args.date
    elif args.start and args.end:
        first, last = args.start, args.end
    elif not (args.start or args.end):
        first = last = _default_end_date()
    else:
        print("error: --start and --end go together", file=sys.stderr)
        return 2
    return _grade(_paths(args), first, last, args.verbose, dates_per_run=args.dates_per_run)


def _cmd_demo(args: argparse.Namespace) -> int:
    from dagster_project.demo_data import generate

    paths = _paths(args)
    end = args.end_date or _default_end_date()
    summary = generate(
        paths.data_dir, customers=args.customers, years=args.years, end_date=end, seed=args.seed
    )
    print(
        f"demo data: {summary.out_dir} ({summary.rows.get('customers', 0):,} customers, "
        f"{summary.rows.get('purchases', 0):,} purchases)"
    )
    first = end - dt.timedelta(days=args.days - 1)
    code = _grade(paths, first, end, args.verbose, dashboard=False)
    if code == 0:
        from dagster_project.dashboard_data import report_path

        print(
            "\nNext: `.venv/bin/grading explain <customer_id>` explains a grade; `make dev` opens "
            "the Dagster UI on http://localhost:3000."
        )
        print(f"Dashboard (open in any browser, works offline): {report_path(paths)}")
    return code


def _cmd_validate(args: argparse.Namespace) -> int:
    from dagster_project.grading_rules import validate_paths

    targets = args.paths or [Paths.from_env(models_dir=args.models).models_dir]
    report = validate_paths(targets)
    print(report.format())
    return 0 if report.ok else 2


def _cmd_explain(args: argparse.Namespace) -> int:
    from dagster_project.explain import ExplainError, explain
    from dagster_project.history import explain_history

    if not args.history and (args.start or args.end):
        print("error: --start/--end go with --history", file=sys.stderr)
        return 2
    try:
        if args.history:
            if args.date:
                print(
                    "error: --date does not go with --history (use --start/--end)", file=sys.stderr
                )
                return 2
            text = explain_history(_paths(args), args.customer_id, args.model, args.start, args.end)
        else:
            text = explain(_paths(args), args.customer_id, args.date, args.model)
    except (ExplainError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(text, end="")
    return 0


def _cmd_simulate(args: argparse.Namespace) -> int:
    from dagster_project.scratch_grading import WhatIfFailedError, WhatIfRefusedError
    from dagster_project.simulate import format_simulation, simulate, write_simulation

    try:
        result = simulate(_paths(args), args.proposal, args.against, args.date)
    except WhatIfRefusedError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except WhatIfFailedError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if args.out:
        write_simulation(result, args.out)
    print(format_simulation(result, args.top), end="")
    return 0


def _cmd_backtest(args: argparse.Namespace) -> int:
    from dagster_project.backtest import (
        backtest,
        default_out_dir,
        format_backtest,
        parse_every,
        write_backtest,
    )
    from dagster_project.scratch_grading import WhatIfFailedError, WhatIfRefusedError

    paths = _paths(args)
    try:
        result = backtest(paths, args.model_file, args.start, args.end, parse_every(args.every))
    except WhatIfRefusedError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except WhatIfFailedError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    write_backtest(result, args.out or default_out_dir(paths, result.model))
    print(format_backtest(result), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
