"""Finding and checking the landing files before dbt reads them.

A missing required file or column is a user error that should read like one ("purchases: no
column 'amount' in purchases-00001.csv"), not a SQL binder error from deep inside a dbt run.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from dagster_project.atomic_files import atomic_write

ENTITY_COLUMNS: dict[str, tuple[str, ...]] = {
    "customers": (
        "customer_id",
        "customer_name",
        "region",
        "business_line",
        "industry",
        "owner_id",
        "partnership_start",
        "credit_rating",
    ),
    "salespeople": ("salesperson_id", "name", "email"),
    "purchases": ("purchase_id", "customer_id", "purchased_at", "amount", "status"),
    "payments": ("payment_id", "customer_id", "purchase_id", "due_date", "paid_at", "amount"),
    "interactions": ("interaction_id", "customer_id", "occurred_at", "kind"),
    # manual grade overrides (docs/overrides.md): optional, one row per pinned grade
    "overrides": (
        "override_id",
        "customer_id",
        "grading_model",
        "grade",
        "reason",
        "author",
        "starts_on",
        "expires_on",
    ),
}
REQUIRED_ENTITIES = ("customers", "purchases")
# Event entities are staged incrementally, file by file (models/staging/base/): their history
# grows every day, so only new or changed files are typed (docs/landing-data.md).
INCREMENTAL_ENTITIES = ("purchases", "payments", "interactions")
MANIFEST_TABLE = "landing_files"
FORMATS = ("csv", "parquet")


class LandingDataError(ValueError):
    """The landing folder cannot be graded as it is; the message says what to change."""


@dataclass(frozen=True)
class LandingEntity:
    name: str
    glob: str | None  # absolute glob of its files, None when the entity was not supplied
    files: tuple[Path, ...]

    @property
    def env_var(self) -> str:
        return f"GRADING_LANDING_{self.name.upper()}"


def discover(data_dir: Path) -> dict[str, LandingEntity]:
    """Locate each entity's files (`<entity>*.csv` or `<entity>*.parquet`) and check columns."""
    if not data_dir.is_dir():
        raise LandingDataError(
            f"landing folder {data_dir} does not exist: pass --data DIR or set GRADING_DATA_DIR "
            "(`grading generate --out DIR` writes demo data)"
        )
    found: dict[str, LandingEntity] = {}
    problems: list[str] = []
    with duckdb.connect() as connection:  # one connection: opening one costs more than a describe
        for entity, columns in ENTITY_COLUMNS.items():
            entity_problems, found[entity] = _discover_entity(connection, data_dir, entity, columns)
            problems += entity_problems
    if problems:
        raise LandingDataError("landing data cannot be read:\n  " + "\n  ".join(problems))
    return found


def _discover_entity(
    connection: duckdb.DuckDBPyConnection, data_dir: Path, entity: str, columns: tuple[str, ...]
) -> tuple[list[str], LandingEntity]:
    """One entity's files and the problems found with them."""
    by_format = {fmt: sorted(data_dir.glob(f"{entity}*.{fmt}")) for fmt in FORMATS}
    present = [fmt for fmt in FORMATS if by_format[fmt]]
    if len(present) > 1:
        problem = f"{entity}: both CSV and Parquet files in {data_dir}; keep one format per entity"
        return [problem], LandingEntity(entity, None, ())
    if not present:
        problems = []
        if entity in REQUIRED_ENTITIES:
            problems.append(
                f"{entity}: no {entity}*.csv or {entity}*.parquet in {data_dir} (required)"
            )
        return problems, LandingEntity(entity, None, ())
    fmt = present[0]
    files = tuple(by_format[fmt])
    problems = []
    for file in files:
        missing = [c for c in columns if c not in _columns_of(connection, file, fmt)]
        if missing:
            problems.append(
                f"{entity}: {file.name} lacks column(s) {', '.join(missing)}; expected "
                f"{', '.join(columns)} (docs/landing-data.md)"
            )
    return problems, LandingEntity(entity, str(data_dir / f"{entity}*.{fmt}"), files)


def reader_sql(fmt: str) -> str:
    """DuckDB's table function for one landing format, its path a parameter: every column as
    text for CSV, so a bad value is quarantined by the staging models instead of failing here."""
    return (
        "read_parquet(?)" if fmt == "parquet" else "read_csv(?, header = true, all_varchar = true)"
    )


def _columns_of(connection: duckdb.DuckDBPyConnection, file: Path, fmt: str) -> set[str]:
    reader = reader_sql(fmt)
    try:
        rows = connection.execute(f"describe select * from {reader}", [str(file)]).fetchall()
    except duckdb.Error as error:
        raise LandingDataError(f"{file}: cannot be read as {fmt}: {error}") from error
    return {row[0].strip().lower() for row in rows}


def export_env(entities: dict[str, LandingEntity]) -> None:
    """Tell dbt where each entity is (an empty value = not supplied)."""
    for entity in entities.values():
        os.environ[entity.env_var] = entity.glob or ""


def write_manifest(entities: dict[str, LandingEntity], config_dir: Path) -> None:
    """Record every landing file's size and modification time for the incremental staging.

    A file whose path, size and nanosecond mtime are unchanged since it was staged is not read
    again; a new or rewritten file is. Each version gets a 64-bit id (a hash of path, size and
    mtime) that the staged rows carry: comparing integers over millions of rows is cheap,
    comparing long strings is not. Written atomically beside the compiled models.
    """
    entity_names: list[str] = []
    paths: list[str] = []
    ids: list[int] = []
    for entity in entities.values():
        for file in entity.files:
            stat = file.stat()
            version = f"{file}|{stat.st_size}|{stat.st_mtime_ns}".encode()
            entity_names.append(entity.name)
            paths.append(str(file))
            ids.append(
                int.from_bytes(hashlib.blake2b(version, digest_size=8).digest(), "big", signed=True)
            )
    table = pa.table(
        {"entity": entity_names, "path": paths, "file_id": ids},
        schema=pa.schema([("entity", pa.string()), ("path", pa.string()), ("file_id", pa.int64())]),
    )
    atomic_write(
        config_dir / f"{MANIFEST_TABLE}.parquet", lambda handle: pq.write_table(table, handle)
    )
