"""Handing every customer's policy to the systems that apply it (CRM, ERP, pricing).

For each snapshot date of a run, into the export folder (GRADING_EXPORT_DIR, default
`<warehouse folder>/exports/`):

- `policies_<date>.csv` and `.parquet`: every row of marts.customer_policy_history for the date,
  with each `extra` key of the models as its own `extra_<key>` column;
- `policy_changes_<date>.csv` and `.parquet`: only the (model, customer) rows whose policy differs
  from the previous export (the newest `policies_<earlier date>.parquet` in the folder), with
  `change` = added, changed or removed.

Files are written atomically (atomic_files.py). Re-exporting a date rewrites the same bytes'
worth of content: the previous export it compares with is the file of an earlier date, never
the date's own. Optionally the changes are POSTed in batches to GRADING_POLICY_WEBHOOK_URL with
an Idempotency-Key header (SHA-256 of the batch's JSON, which includes the date), so a receiver
can drop a batch it already applied when a run is repeated.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from dagster_project.atomic_files import atomic_write, remove_stale_temporaries
from dagster_project.settings import Paths
from dagster_project.warehouse import read_only

ENV_EXPORT_DIR = "GRADING_EXPORT_DIR"
ENV_WEBHOOK_URL = "GRADING_POLICY_WEBHOOK_URL"
ENV_WEBHOOK_TOKEN = "GRADING_POLICY_WEBHOOK_TOKEN"
ENV_WEBHOOK_BATCH = "GRADING_POLICY_WEBHOOK_BATCH"
DEFAULT_BATCH_SIZE = 500
POLICY_FILE = re.compile(r"^policies_(\d{4}-\d{2}-\d{2})\.parquet$")

# Consecutive dates are read together, up to this many rows: a 365-date backfill at 10,000
# customers spent a third of its export in 365 small queries, while at 100,000 customers and
# more one date (164,000 rows and up) is a read of its own. More rows per read was no faster but
# held more in memory: 2,000,000 peaked at 1.7 GB for that backfill's export, 200,000 at 0.6 GB
# (docs/benchmarks.md).
ROWS_PER_READ = 200_000
# A date's files are still being written while the next date is read and compared. One date in
# flight holds no table the loop would not hold anyway: it is the previous export compared with.
DATES_IN_FLIGHT = 1
POLICY_SQL = """
    select snapshot_date, grading_model, customer_id, customer_name, region, business_line,
           industry, owner_id, grade, grade_rank, score, discount_pct, credit_limit,
           payment_terms_days, service_response_hours, follow_up_days, policy_extra_json,
           is_primary, policy_precedence, model_version
    from marts.customer_policy_history
    where snapshot_date between ? and ?
    order by snapshot_date, grading_model, customer_id
"""
ROWS_PER_DATE_SQL = """
    select snapshot_date, count(*)
    from marts.customer_policy_history
    where snapshot_date between ? and ?
    group by snapshot_date
"""

# What a downstream system applies: a change in any of these is a policy change.
COMPARED_COLUMNS = (
    "grade",
    "discount_pct",
    "credit_limit",
    "payment_terms_days",
    "service_response_hours",
    "follow_up_days",
    "policy_extra_json",
    "is_primary",
)


class PolicyExportError(RuntimeError):
    """The files were written, but the webhook did not accept every batch."""


@dataclass(frozen=True)
class Webhook:
    url: str
    token: str | None = None
    batch_size: int = DEFAULT_BATCH_SIZE
    timeout_s: float = 30.0

    @classmethod
    def from_env(cls) -> Webhook | None:
        url = os.environ.get(ENV_WEBHOOK_URL, "").strip()
        if not url:
            return None
        batch = os.environ.get(ENV_WEBHOOK_BATCH, "").strip()
        if batch and (not batch.isdigit() or int(batch) < 1):
            raise ValueError(f"{ENV_WEBHOOK_BATCH} must be a whole number >= 1, not {batch!r}")
        return cls(
            url=url,
            token=os.environ.get(ENV_WEBHOOK_TOKEN) or None,
            batch_size=int(batch) if batch else DEFAULT_BATCH_SIZE,
        )


@dataclass
class ExportReport:
    dates: list[dt.date] = field(default_factory=list)
    policies: int = 0
    changes: int = 0
    files: list[Path] = field(default_factory=list)
    batches_posted: int = 0
    webhook_errors: list[str] = field(default_factory=list)


def export_dir_for(paths: Paths) -> Path:
    """GRADING_EXPORT_DIR, else an `exports/` folder beside the warehouse."""
    chosen = os.environ.get(ENV_EXPORT_DIR, "").strip()
    return Path(chosen).expanduser().resolve() if chosen else paths.warehouse.parent / "exports"


def export_policies(
    paths: Paths,
    dates: list[dt.date],
    export_dir: Path,
    webhook: Webhook | None = None,
) -> ExportReport:
    """Write the files of every date (oldest first), then POST each date's changes."""
    report = ExportReport()
    export_dir.mkdir(parents=True, exist_ok=True)
    pending_posts: list[tuple[dt.date, pa.Table]] = []
    in_flight: deque[list[Future[Path]]] = deque()
    # one scratch database for every date's comparison: opening one costs more than a small diff
    with (
        read_only(paths) as warehouse,
        duckdb.connect() as scratch,
        ThreadPoolExecutor(max_workers=2) as writers,
    ):
        remove_stale_temporaries(export_dir)  # the lock is held: no other export is writing
        exported = _exported_dates(export_dir)
        just_written: tuple[dt.date, pa.Table] | None = None
        for day, rows in _policies_by_date(warehouse, sorted(set(dates))):
            policies = _flatten_extra(rows)
            stem = day.isoformat()
            # the date's policy files are written while DuckDB compares it with the previous
            # export: both release the GIL, and at a million customers each takes seconds
            policy_files = _write_both(writers, export_dir / f"policies_{stem}", policies)
            changes = _changes(
                scratch,
                day,
                policies,
                _previous_export(export_dir, exported, day, just_written),
            )
            change_files = _write_both(writers, export_dir / f"policy_changes_{stem}", changes)
            in_flight.append(policy_files + change_files)
            while len(in_flight) > DATES_IN_FLIGHT:
                report.files += [future.result() for future in in_flight.popleft()]
            exported.add(day)
            just_written = (day, policies)
            report.dates.append(day)
            report.policies += policies.num_rows
            report.changes += changes.num_rows
            pending_posts.append((day, changes))
        while in_flight:
            report.files += [future.result() for future in in_flight.popleft()]
    if webhook is not None:
        for day, changes in pending_posts:
            _post_changes(webhook, day, changes, report)
    return report


def _policies_by_date(
    warehouse: duckdb.DuckDBPyConnection, dates: list[dt.date]
) -> Iterator[tuple[dt.date, pa.Table]]:
    """Each date's policy rows, oldest first, read in runs of consecutive dates.

    A run holds at most ROWS_PER_READ rows (or one date, however large), counted first; it is
    read in one query sorted by date, and each date's rows are a slice of it."""
    if not dates:
        return
    per_date = dict(warehouse.sql(ROWS_PER_DATE_SQL, params=[dates[0], dates[-1]]).fetchall())
    batch: list[dt.date] = []
    batch_rows = 0
    for day in dates:
        rows = per_date.get(day, 0)
        if batch and (day != batch[-1] + dt.timedelta(days=1) or batch_rows + rows > ROWS_PER_READ):
            yield from _read_batch(warehouse, batch)
            batch, batch_rows = [], 0
        batch.append(day)
        batch_rows += rows
    yield from _read_batch(warehouse, batch)


def _read_batch(
    warehouse: duckdb.DuckDBPyConnection, batch: list[dt.date]
) -> Iterator[tuple[dt.date, pa.Table]]:
    table = warehouse.sql(POLICY_SQL, params=[batch[0], batch[-1]]).to_arrow_table()
    # the rows are sorted by date: each date is one run of the date column
    runs = pc.run_end_encode(table.column("snapshot_date").combine_chunks())
    bounds: dict[dt.date, tuple[int, int]] = {}
    start = 0
    for day, end in zip(runs.values.to_pylist(), runs.run_ends.to_pylist(), strict=True):
        bounds[day] = (start, end)
        start = end
    for day in batch:
        first, end = bounds.get(day, (0, 0))
        yield day, table.slice(first, end - first)


def _flatten_extra(table: pa.Table) -> pa.Table:
    """Each key of the models' `extra` policies as a text column `extra_<key>`.

    A model's grades share a handful of distinct `extra` texts, so each distinct text is parsed
    once and its values are spread to the rows by index: a year's backfill exports hundreds of
    dates of every customer, and parsing JSON per row dominated it."""
    encoded = table.column("policy_extra_json").combine_chunks().dictionary_encode()
    extras = [json.loads(text or "{}") for text in encoded.dictionary.to_pylist()]
    keys = sorted({key for extra in extras for key in extra})
    for key in keys:
        per_text = pa.array(
            [_scalar_text(extra[key]) if key in extra else None for extra in extras],
            type=pa.string(),
        )
        table = table.append_column(f"extra_{key}", per_text.take(encoded.indices))
    return table


def _scalar_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _exported_dates(export_dir: Path) -> set[dt.date]:
    return {
        dt.date.fromisoformat(match.group(1))
        for path in export_dir.iterdir()
        if (match := POLICY_FILE.match(path.name))
    }


def _previous_export(
    export_dir: Path,
    exported: set[dt.date],
    day: dt.date,
    just_written: tuple[dt.date, pa.Table] | None,
) -> pa.Table | Path | None:
    """The newest export dated before `day`: the table this run just wrote, or its file."""
    earlier = [date for date in exported if date < day]
    if not earlier:
        return None
    newest = max(earlier)
    if just_written is not None and just_written[0] == newest:
        return just_written[1]
    return export_dir / f"policies_{newest.isoformat()}.parquet"


def _changes(
    scratch: duckdb.DuckDBPyConnection,
    day: dt.date,
    current: pa.Table,
    previous: pa.Table | Path | None,
) -> pa.Table:
    """Rows added, changed or removed since the previous export, compared in DuckDB.

    A previous export on disk is scanned by DuckDB itself: the comparison reads only the keys
    and compared columns of most rows, where loading the whole file first took longer than the
    comparison. A removed row carries its last policy (what to revoke) under this export's date."""
    scratch.register("current_policies", current)
    if isinstance(previous, Path):
        scratch.read_parquet(str(previous)).create_view("previous_policies", replace=True)
    else:
        scratch.register(
            "previous_policies", current.schema.empty_table() if previous is None else previous
        )
    try:
        differs = " or ".join(f"c.{col} is distinct from p.{col}" for col in COMPARED_COLUMNS)
        return scratch.sql(
            f"""
            select 'added' as change, c.* from current_policies c
            anti join previous_policies p using (grading_model, customer_id)
            union all by name
            select 'changed' as change, c.* from current_policies c
            join previous_policies p using (grading_model, customer_id)
            where {differs}
            union all by name
            select 'removed' as change, p.* replace (cast(? as date) as snapshot_date)
            from previous_policies p
            anti join current_policies c using (grading_model, customer_id)
            order by grading_model, customer_id
            """,
            params=[day],
        ).to_arrow_table()
    finally:
        scratch.unregister("current_policies")
        if isinstance(previous, Path):
            scratch.execute("drop view previous_policies")
        else:
            scratch.unregister("previous_policies")


def _write_both(writers: Executor, stem: Path, table: pa.Table) -> list[Future[Path]]:
    """The table as CSV and as Parquet, each written atomically on a writer thread."""
    return [
        writers.submit(
            atomic_write, stem.with_name(stem.name + ".csv"), lambda h: pacsv.write_csv(table, h)
        ),
        writers.submit(
            atomic_write, stem.with_name(stem.name + ".parquet"), lambda h: pq.write_table(table, h)
        ),
    ]


def idempotency_key(payload: dict[str, Any]) -> str:
    """Same date and same batch content -> same key, on every run."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _post_changes(webhook: Webhook, day: dt.date, changes: pa.Table, report: ExportReport) -> None:
    rows = changes.to_pylist()
    batches = [rows[i : i + webhook.batch_size] for i in range(0, len(rows), webhook.batch_size)]
    for number, batch in enumerate(batches, start=1):
        payload = {
            "snapshot_date": day.isoformat(),
            "batch": number,
            "batches": len(batches),
            "changes": batch,
        }
        body = json.dumps(payload, sort_keys=True, default=str).encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": idempotency_key(payload),
        }
        if webhook.token:
            headers["Authorization"] = f"Bearer {webhook.token}"
        request = urllib.request.Request(webhook.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=webhook.timeout_s) as response:
                response.read()
            report.batches_posted += 1
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            report.webhook_errors.append(f"{day} batch {number}/{len(batches)}: {reason}")
