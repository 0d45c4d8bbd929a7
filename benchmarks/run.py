"""The benchmark: real generated data through the real pipeline, against a floor and pandas.

    .venv/bin/python -m benchmarks.run [--sizes 10000 100000 1000000] [--out docs/benchmarks.md]

For each size it generates a landing folder once (Parquet, two years, ~10 purchases per customer
per year, payments and interactions included), then measures, each in a cold process of its own
so nothing is cached between timed runs that a real daily run would not have:

- first load: `grading run --date D-1` on an empty warehouse (builds the daily aggregates);
- daily job: `grading run --date D` on that warehouse (what the schedule runs every day), and its
  SQL part alone (the dbt models' execution times from dbt's run_results.json); run
  `--daily-repeats` times (3), each from the warehouse the first load left (the first on it, the
  others on copies), and reported as the median run, as is the pandas daily;
- the daily job once more on a warehouse holding `--history-snapshots` (30) snapshots: the first
  load's warehouse with copies of its date's rows for the dates before (benchmarks/history.py),
  what a run in steady daily use reads of its history;
- backfills of 30 and 365 consecutive dates (`grading run --start --end`, one run each);
- the floor: one DuckDB aggregate over the raw purchases for one date;
- pandas: benchmarks/pandas_baseline.py for the daily job and, where affordable, the 30-date
  backfill (a loop over dates, as a user would write it); its grades are checked against the
  pipeline's on the smallest size;
- peak resident memory (ru_maxrss of the process and its children) of every measurement.

Timings are never asserted anywhere; this writes them to a Markdown table.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import TypeVar

import duckdb

from benchmarks.history import add_snapshots
from dagster_project.settings import DBT_PROJECT_DIR, PROJECT_ROOT

END_DATE = dt.date(2026, 11, 22)
TODAY = END_DATE + dt.timedelta(days=1)
PYTHON = sys.executable
GRADING = str(Path(sys.executable).parent / "grading")
T = TypeVar("T")


@dataclass
class Measure:
    seconds: float
    peak_rss_mb: float
    note: str = ""


@dataclass
class SizeResult:
    customers: int
    purchases: int = 0
    measures: dict[str, Measure] = field(default_factory=dict)
    sql_seconds: float | None = None
    grades_match: str = ""
    slowest: str = ""
    overheads: list[str] = field(default_factory=list)


BACKFILL_TIMEOUT_SECONDS = 1800
# the daily job and the pandas daily are each run this many times; the tables give the median
DAILY_REPEATS = 3
# the daily job is also run once on a warehouse holding this many snapshots (0: not run)
HISTORY_SNAPSHOTS = 30


def timed(
    command: list[str],
    env: dict[str, str] | None = None,
    allow_failure: bool = False,
    timeout: float | None = None,
) -> tuple[Measure, str]:
    """Run a command in a fresh process: wall time, and the peak RSS of its process tree.

    GNU time reports ru_maxrss from wait4(), which covers the command and the children it waited
    for (Dagster's dbt subprocess included). With allow_failure a failed command is recorded
    (its note says why) instead of stopping the whole benchmark.
    """
    wrapped = ["/usr/bin/time", "-f", "PEAK_RSS_KB=%M", *command]
    # the previous measurement's writes (a backfill's warehouse and export files) are still
    # being flushed to disk for a while; started in that, DuckDB's queries ran about 2x slower
    os.sync()
    started = time.perf_counter()
    # its own session, so a timeout stops the whole tree (time -> grading -> dbt), not just time
    process = subprocess.Popen(
        wrapped,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=PROJECT_ROOT,
        start_new_session=True,
    )
    try:
        stdout, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        partial, _ = process.communicate()
        if not allow_failure:
            raise
        note = f"stopped after {timeout:.0f} s"
        runs = runs_in(partial or "")
        if runs > 1:  # a range split into runs: say how far it got
            # the CLI flushes the line that starts each run; the one it was in did not finish
            begun = len(re.findall(r"^grading \S+ \.\. \S+ \.\.\.$", partial, flags=re.MULTILINE))
            note += f" ({max(begun - 1, 0)} of {runs} runs done)"
        return Measure(time.perf_counter() - started, 0, note), partial or ""
    completed = subprocess.CompletedProcess(wrapped, process.returncode, stdout)
    seconds = time.perf_counter() - started
    if completed.returncode != 0 and not allow_failure:
        raise RuntimeError(
            f"{' '.join(command)} failed ({completed.returncode}):\n{completed.stdout[-3000:]}"
        )
    peak_kb = 0
    for line in completed.stdout.splitlines():
        if line.startswith("PEAK_RSS_KB="):
            peak_kb = int(line.split("=", 1)[1])
    note = ""
    if completed.returncode != 0:
        errors = [line for line in completed.stdout.splitlines() if "Error" in line]
        note = "failed: " + (errors[-1].strip()[:160] if errors else f"exit {completed.returncode}")
    return Measure(seconds, peak_kb / 1024, note), completed.stdout


def newest_run_results(count: int = 1) -> list[dict]:
    """dbt's run_results.json of the newest `count` dbt invocations, oldest first."""
    target = DBT_PROJECT_DIR / "target"
    runs = sorted(
        (p for p in target.iterdir() if p.is_dir() and p.name.startswith("grading_dbt_assets-")),
        key=lambda p: p.stat().st_mtime,
    )
    return [json.loads((run / "run_results.json").read_text()) for run in runs[-count:]]


def runs_in(output: str) -> int:
    """How many Dagster runs `grading run` split its range into (it prints 'as N runs')."""
    match = re.search(r"^grading \S+ \.\. \S+ as (\d+) runs", output, flags=re.MULTILINE)
    return int(match.group(1)) if match else 1


def sql_seconds(results: dict) -> float:
    """Execution time of the dbt models (the SQL), without dbt's and Dagster's own overhead."""
    return sum(
        r["execution_time"] for r in results["results"] if r["unique_id"].startswith("model.")
    )


def median(runs: list[T], seconds: Callable[[T], float]) -> T:
    """The run of median wall time (the lower middle of an even count)."""
    return sorted(runs, key=seconds)[(len(runs) - 1) // 2]


def pandas_baseline(data: Path, *arguments: str) -> list[str]:
    """The command line of the pandas baseline over the landing folder `data`."""
    command = [PYTHON, "-m", "benchmarks.pandas_baseline", "--data", str(data)]
    return [*command, *arguments, "--today", TODAY.isoformat()]


def overhead(label: str, measure: Measure, output: str, results_of_run: dict | None = None) -> str:
    """How much of a run's wall time dbt's own builds took; the rest is start-up and Dagster."""
    if measure.note:
        return f"{label}: {measure.note}"
    runs = runs_in(output)
    results = [results_of_run] if results_of_run is not None else newest_run_results(runs)
    dbt_seconds = sum(r["elapsed_time"] for r in results)
    pieces = f" in {runs} runs" if runs > 1 else ""
    return (
        f"{label}: dbt build {dbt_seconds:.1f} s of {measure.seconds:.1f} s wall{pieces} "
        f"(start-up, Dagster events and the run summary: {measure.seconds - dbt_seconds:.1f} s); "
        f"slowest nodes: {slowest_nodes(results, 4)}"
    )


def slowest_nodes(results: list[dict], count: int = 6) -> str:
    """Where the dbt time of one or more runs went: the slowest models and tests, summed."""
    totals: dict[str, float] = {}
    for result in results:
        for node in result["results"]:
            name = node["unique_id"].split(".")[2]
            totals[name] = totals.get(name, 0.0) + node["execution_time"]
    slowest = sorted(totals.items(), key=lambda item: item[1], reverse=True)[:count]
    return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in slowest)


FLOOR_SCRIPT = """
import duckdb, sys, time
started = time.perf_counter()
connection = duckdb.connect()
connection.execute("set threads = 2")
connection.execute("set enable_progress_bar = false")  # its carriage returns garble the output
rows = connection.execute('''
    select customer_id, sum(try_cast(amount as decimal(18, 2))), count(*)
    from read_parquet(?)
    where try_cast(purchased_at as timestamp) > cast(? as date) - interval 365 day
      and try_cast(purchased_at as timestamp) < cast(? as date) + interval 1 day
    group by customer_id
''', [sys.argv[1], sys.argv[2], sys.argv[2]]).fetchall()
print("rows_and_seconds", len(rows), time.perf_counter() - started)
"""


EVENT_DATE_COLUMNS = {
    "purchases": "purchased_at",
    "payments": "due_date",
    "interactions": "occurred_at",
}


def hold_back_last_day(data: Path, day: dt.date, holding: Path) -> list[Path]:
    """Move the events dated `day` out of the generated shards into one file per entity.

    The first load then sees history up to the day before, and the daily run finds day D's
    events in a new landing file, which is what a daily feed delivers (and what the
    file-level incremental staging is built for). Returns the held-back files.
    """
    holding.mkdir(parents=True, exist_ok=True)
    held: list[Path] = []
    with duckdb.connect() as connection:
        for entity, column in EVENT_DATE_COLUMNS.items():
            shards = sorted(data.glob(f"{entity}*.parquet"))
            on_day = f"left(cast({column} as varchar), 10) = '{day.isoformat()}'"
            target = holding / f"{entity}-delivery-{day.isoformat()}.parquet"
            connection.execute(
                f"copy (select * from read_parquet(?) where {on_day}) to '{target}' "
                "(format parquet)",
                [[str(shard) for shard in shards]],
            )
            for shard in shards:
                rewritten = shard.with_suffix(".rewrite")
                connection.execute(
                    f"copy (select * from read_parquet(?) where not coalesce({on_day}, false)) "
                    f"to '{rewritten}' (format parquet)",
                    [str(shard)],
                )
                rewritten.replace(shard)
            held.append(target)
    return held


def daily_with_history(
    result: SizeResult,
    before_daily: Path,
    warehouse: Path,
    snapshots: int,
    common: list[str],
    env: dict[str, str],
) -> None:
    """The daily job once on the first load's warehouse given `snapshots` - 1 earlier dates.

    Copies of D-1's rows (benchmarks/history.py): what a run in steady daily use reads of its
    history. Run at the benchmark's warehouse path (another path would cost dbt a full parse);
    the warehouse the daily runs left is put back afterwards for the measurements after it."""
    after_daily = warehouse.parent.with_name(warehouse.parent.name + "_after_daily")
    shutil.rmtree(after_daily, ignore_errors=True)
    warehouse.parent.rename(after_daily)
    shutil.copytree(before_daily, warehouse.parent)
    copied = add_snapshots(warehouse, END_DATE - dt.timedelta(days=1), snapshots - 1)
    measure, output = timed([GRADING, "run", "--date", END_DATE.isoformat(), *common], env)
    results = newest_run_results()[0]
    result.measures["daily_history"] = measure
    result.overheads.append(
        overhead(f"daily job with {snapshots} snapshots", measure, output, results)
        + f"; SQL {sql_seconds(results):.1f} s; earlier snapshots copied into {len(copied)} tables"
    )
    shutil.rmtree(warehouse.parent)
    after_daily.rename(warehouse.parent)
    print(f"   daily with {snapshots} snapshots {measure.seconds:.1f}s", flush=True)


def benchmark_size(
    customers: int,
    work: Path,
    backfill_365_max: int,
    pandas_backfill_max: int,
    check: bool,
    backfill_timeout: float = BACKFILL_TIMEOUT_SECONDS,
    daily_repeats: int = DAILY_REPEATS,
    history_snapshots: int = HISTORY_SNAPSHOTS,
) -> SizeResult:
    result = SizeResult(customers)
    data = work / f"data_{customers}"
    warehouse = work / f"wh_{customers}" / "grading.duckdb"
    shutil.rmtree(warehouse.parent, ignore_errors=True)
    env = {"GRADING_TODAY": TODAY.isoformat()}
    common = ["--data", str(data), "--warehouse", str(warehouse)]

    print(f"== {customers:,} customers", flush=True)
    measure, _ = timed(
        [
            GRADING,
            "generate",
            "--out",
            str(data),
            "--customers",
            str(customers),
            "--years",
            "2",
            "--end-date",
            END_DATE.isoformat(),
            "--format",
            "parquet",
        ]
    )
    result.measures["generate"] = measure
    with duckdb.connect() as connection:
        result.purchases = connection.execute(
            "select count(*) from read_parquet(?)", [str(data / "purchases*.parquet")]
        ).fetchone()[0]

    day = END_DATE.isoformat()
    before = (END_DATE - dt.timedelta(days=1)).isoformat()
    delivery = hold_back_last_day(data, END_DATE, work / f"delivery_{customers}")
    result.measures["first_load"], _ = timed([GRADING, "run", "--date", before, *common], env)
    for file in delivery:  # day D's events arrive as a new file, as a daily feed would
        shutil.move(file, data / file.name)
    # the same daily job several times from the warehouse the first load left (the first run on
    # it, the others on copies): one run on this machine moves by a third from minute to minute
    before_daily = warehouse.parent.with_name(warehouse.parent.name + "_before_daily")
    shutil.rmtree(before_daily, ignore_errors=True)
    shutil.copytree(warehouse.parent, before_daily)
    dailies: list[tuple[Measure, str, dict]] = []
    for repeat in range(daily_repeats):
        if repeat:
            shutil.rmtree(warehouse.parent)
            shutil.copytree(before_daily, warehouse.parent)
        measure, output = timed([GRADING, "run", "--date", day, *common], env)
        dailies.append((measure, output, newest_run_results()[0]))
    measure, output, daily_results = median(dailies, lambda run: run[0].seconds)
    result.measures["daily"] = measure
    result.sql_seconds = sql_seconds(daily_results)
    result.slowest = slowest_nodes([daily_results])
    result.overheads.append(overhead("daily job", measure, output, daily_results))
    if len(dailies) > 1:
        result.overheads.append(
            f"daily job, {len(dailies)} runs from the warehouse the first load left (the first "
            f"on it, the others on copies of it; the median is in the table): "
            + ", ".join(f"{m.seconds:.1f} s (SQL {sql_seconds(r):.1f} s)" for m, _, r in dailies)
        )
    print(f"   daily {measure.seconds:.1f}s (SQL {result.sql_seconds:.1f}s)", flush=True)
    if history_snapshots > 1:
        daily_with_history(result, before_daily, warehouse, history_snapshots, common, env)
    shutil.rmtree(before_daily)

    floor, output = timed([PYTHON, "-c", FLOOR_SCRIPT, str(data / "purchases*.parquet"), day])
    # the query's own time: process start-up is not part of the floor
    found = re.search(r"^rows_and_seconds \d+ (\S+)$", output, flags=re.MULTILINE)
    if not found:
        raise RuntimeError(f"the floor query printed no timing:\n{output[-2000:]}")
    floor.seconds = float(found.group(1))
    result.measures["floor"] = floor

    out_csv = work / f"pandas_{customers}.csv"
    pandas_runs = [
        timed(pandas_baseline(data, "--date", day, "--out", str(out_csv)))[0]
        for _ in range(daily_repeats)
    ]
    result.measures["pandas_daily"] = median(pandas_runs, lambda m: m.seconds)
    if len(pandas_runs) > 1:
        result.overheads.append(
            f"pandas daily, {len(pandas_runs)} runs (the median is in the table): "
            + ", ".join(f"{m.seconds:.1f} s" for m in pandas_runs)
        )
    if check:
        result.grades_match = compare_grades(out_csv, warehouse, END_DATE)

    start_30 = (END_DATE - dt.timedelta(days=29)).isoformat()
    result.measures["backfill_30"], output = timed(
        [GRADING, "run", "--start", start_30, "--end", day, *common],
        env,
        allow_failure=True,
        timeout=backfill_timeout,
    )
    result.overheads.append(overhead("backfill 30", result.measures["backfill_30"], output))
    if customers <= pandas_backfill_max:
        result.measures["pandas_backfill_30"], _ = timed(
            pandas_baseline(data, "--date", start_30, "--end", day)
        )
    if customers <= backfill_365_max:
        start_365 = (END_DATE - dt.timedelta(days=364)).isoformat()
        result.measures["backfill_365"], output = timed(
            [GRADING, "run", "--start", start_365, "--end", day, *common],
            env,
            allow_failure=True,
            timeout=backfill_timeout,
        )
        result.overheads.append(overhead("backfill 365", result.measures["backfill_365"], output))
    shutil.rmtree(warehouse.parent, ignore_errors=True)
    return result


def compare_grades(pandas_csv: Path, warehouse: Path, day: dt.date) -> str:
    with open(pandas_csv, encoding="utf-8") as handle:
        theirs = {row["customer_id"]: row["grade"] for row in csv.DictReader(handle)}
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        ours = dict(
            connection.execute(
                "select customer_id, grade from marts.customer_grades "
                "where grading_model = 'default_abc' and snapshot_date = ?",
                [day],
            ).fetchall()
        )
    same = sum(1 for key, grade in ours.items() if theirs.get(key) == grade)
    verdict = "identical" if same == len(ours) == len(theirs) else "DIFFERENT"
    return f"{verdict}: {same:,} of {len(ours):,} customers"


def machine() -> str:
    cpu = "unknown CPU"
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import dbt.version  # noqa: PLC0415

    # pandas and pyarrow too: the baseline's speed depends on them (the same hour, its 1M daily
    # took 60.4 s on pandas 3.1.1 and 65.4 s on 3.0.6)
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory_gb:.0f} GiB RAM, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, DuckDB {duckdb.__version__}, "
        f"dbt-core {dbt.version.__version__}, pandas {version('pandas')}, "
        f"pyarrow {version('pyarrow')}"
    )


def ratio(a: Measure | None, b: Measure | float | None) -> str:
    if a is None or b is None or a.note or (isinstance(b, Measure) and b.note):
        return "—"
    denominator = b.seconds if isinstance(b, Measure) else b
    return f"{a.seconds / denominator:.1f}x" if denominator else "—"


def render(
    results: list[SizeResult], command: str, history_snapshots: int = HISTORY_SNAPSHOTS
) -> str:
    def cell(result: SizeResult, key: str) -> str:
        m = result.measures.get(key)
        if m is None:
            return "not run"
        if m.note.startswith("stopped"):  # killed on the timeout: no peak memory was recorded
            return f"**{m.note}**"
        if m.note:
            return f"**{m.note}** after {m.seconds:.0f} s (peak {m.peak_rss_mb:,.0f} MB)"
        return f"{m.seconds:.1f} s / {m.peak_rss_mb:,.0f} MB"

    # `--history-snapshots 0` (or 1) runs no such measurement: its cells say "not run"
    history = f"{history_snapshots} snapshots" if history_snapshots > 1 else "with history"
    lines = [
        "| customers | purchases | first load | daily job | daily SQL "
        f"| daily job, {history} | floor | pandas daily | backfill 30 "
        "| backfill 365 | pandas backfill 30 |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.customers:,} | {r.purchases:,} | {cell(r, 'first_load')} | {cell(r, 'daily')} "
            f"| {r.sql_seconds:.1f} s | {cell(r, 'daily_history')} | {cell(r, 'floor')} "
            f"| {cell(r, 'pandas_daily')} "
            f"| {cell(r, 'backfill_30')} | {cell(r, 'backfill_365')} "
            f"| {cell(r, 'pandas_backfill_30')} |"
        )
    lines += [
        "",
        "Cells are wall-clock seconds / peak resident memory of the command's process tree.",
        "",
        "| customers | daily / floor | daily SQL / floor | daily / pandas "
        f"| {history} / daily | backfill-30 / daily | backfill-365 / daily "
        "| pandas-30 / backfill-30 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        m = r.measures
        sql_ratio = f"{r.sql_seconds / m['floor'].seconds:.1f}x" if m.get("floor") else "—"
        lines.append(
            f"| {r.customers:,} | {ratio(m.get('daily'), m.get('floor'))} | {sql_ratio} "
            f"| {ratio(m.get('daily'), m.get('pandas_daily'))} "
            f"| {ratio(m.get('daily_history'), m.get('daily'))} "
            f"| {ratio(m.get('backfill_30'), m.get('daily'))} "
            f"| {ratio(m.get('backfill_365'), m.get('daily'))} "
            f"| {ratio(m.get('pandas_backfill_30'), m.get('backfill_30'))} |"
        )
    checks = (
        [
            f"- {r.customers:,} customers: pandas vs pipeline grades {r.grades_match}"
            for r in results
            if r.grades_match
        ]
        + [
            f"- {r.customers:,} customers, slowest dbt nodes of the daily job: {r.slowest}"
            for r in results
        ]
        + [f"- {r.customers:,} customers, {line}" for r in results for line in r.overheads]
    )
    return "\n".join(
        [
            f"Measured {dt.datetime.now():%Y-%m-%d %H:%M} on {machine()}.",
            f"Command: `{command}`",
            "",
            *lines,
            "",
            *checks,
        ]
    )


START, END = "<!-- results:start -->", "<!-- results:end -->"


def write_results(path: Path, table: str) -> None:
    """Replace the results block of a Markdown file, keeping the prose around it."""
    block = f"{START}\n{table}\n{END}"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if START in text and END in text:
        text = text[: text.index(START)] + block + text[text.index(END) + len(END) :]
    else:
        text = (text + "\n\n" if text else "") + block + "\n"
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--work", type=Path, default=PROJECT_ROOT / "benchmarks" / "work")
    parser.add_argument("--out", type=Path, help="write the result table to this Markdown file")
    parser.add_argument(
        "--backfill-365-max",
        type=int,
        default=10**9,
        help="skip the 365-date backfill above this many customers",
    )
    parser.add_argument(
        "--pandas-backfill-max",
        type=int,
        default=100_000,
        help="skip the pandas 30-date loop above this many customers",
    )
    parser.add_argument(
        "--daily-repeats",
        type=int,
        default=DAILY_REPEATS,
        help="run the daily job (and the pandas daily) this many times; report the median",
    )
    parser.add_argument(
        "--backfill-timeout",
        type=float,
        default=BACKFILL_TIMEOUT_SECONDS,
        help="stop a backfill after this many seconds and record it as stopped",
    )
    parser.add_argument(
        "--history-snapshots",
        type=int,
        default=HISTORY_SNAPSHOTS,
        help="also run the daily job once on a warehouse holding this many snapshots (copies "
        "of the first load's; 0 or 1: not run)",
    )
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    results = []
    for index, size in enumerate(sorted(args.sizes)):
        results.append(
            benchmark_size(
                size,
                args.work,
                args.backfill_365_max,
                args.pandas_backfill_max,
                check=index == 0,
                backfill_timeout=args.backfill_timeout,
                daily_repeats=max(args.daily_repeats, 1),
                history_snapshots=args.history_snapshots,
            )
        )
        table = render(
            results,
            "python -m benchmarks.run " + " ".join(argv or sys.argv[1:]),
            args.history_snapshots,
        )
        print(table, flush=True)
        if args.out:
            write_results(args.out, table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
