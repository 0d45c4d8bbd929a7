"""What a user would write instead: grading_models/default_abc.yml as plain, vectorised pandas.

Reads the same landing folder as the pipeline and gives the same grades as
``marts.customer_grades`` for grading_model = 'default_abc'. The cleaning rules mirror
dbt_project/models/staging/stg_*.sql, the metrics docs/metrics.md, the scoring
int_leaf_scores.sql, int_node_scores.sql and marts/customer_grades.sql.

    python -m benchmarks.pandas_baseline --data DIR --date 2026-11-22 [--end D2] [--out CSV]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from dagster_project.landing import ENTITY_COLUMNS

SEEDS_DIR = Path(__file__).resolve().parents[1] / "seeds"
COLUMNS = {
    entity: list(ENTITY_COLUMNS[entity])
    for entity in ("customers", "purchases", "payments", "salespeople")
}
# DuckDB's trim() strips the Unicode space separators (category Zs), not tabs or newlines.
SPACES = " \u00a0\u1680\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B)))
STATUSES = ("completed", "refunded", "cancelled")
WEIGHTS = {
    "annual_value": 0.30,
    "frequency": 0.20,
    "punctuality": 0.20,
    "partnership": 0.15,
    "credit": 0.15,
}
GRADES = [("A", 0.2), ("B", 0.5)]  # by top share; the rest are C


@dataclass(frozen=True)
class Landing:
    """Raw landing tables, every column as text (None: entity not supplied)."""

    customers: pd.DataFrame
    purchases: pd.DataFrame
    payments: pd.DataFrame | None
    salespeople: pd.DataFrame | None


def _read(data_dir: Path, entity: str) -> pd.DataFrame | None:
    columns = COLUMNS[entity]
    if files := sorted(data_dir.glob(f"{entity}*.csv")):
        # like DuckDB's read_csv: only an empty field is NULL ("NA" or "null" stay text)
        frames = [
            pd.read_csv(
                f,
                usecols=columns,
                dtype=str,
                keep_default_na=False,
                na_values=[""],
                engine="pyarrow",
            )
            for f in files
        ]
    elif files := sorted(data_dir.glob(f"{entity}*.parquet")):
        frames = [pd.read_parquet(f, columns=columns).astype(str) for f in files]
    else:
        return None
    return pd.concat(frames, ignore_index=True)[columns]


def load_landing(data_dir: Path) -> Landing:
    customers, purchases = _read(data_dir, "customers"), _read(data_dir, "purchases")
    if customers is None or purchases is None:
        raise FileNotFoundError(f"{data_dir} needs customers* and purchases* files")
    payments, salespeople = _read(data_dir, "payments"), _read(data_dir, "salespeople")
    return Landing(customers, purchases, payments, salespeople)


# --- Cleaning (staging models) -------------------------------------------------------------------


def _text(column: pd.Series) -> pd.Series:
    """trim, and empty means NULL."""
    trimmed = column.str.strip(SPACES)
    return trimmed.mask(trimmed == "")


def _day(text: pd.Series) -> pd.Series:
    """try_cast(... as timestamp), then its date; unparseable text becomes NaT."""
    return pd.to_datetime(text, format="ISO8601", errors="coerce").dt.normalize()


def _raw_record(raw: pd.DataFrame) -> pd.Series:
    """concat_ws('|', <raw columns>): the untrimmed values joined, NULLs skipped."""
    record = pd.Series("", index=raw.index, dtype=str)
    started = pd.Series(False, index=raw.index)
    for column in raw.columns:  # a loop over the columns, not the rows
        value = raw[column]
        joined = record.where(~started, record + "|") + value.fillna("")
        record = record.where(value.isna(), joined)
        started |= value.notna()
    return record


def _kept(raw: pd.DataFrame, ids: pd.Series, problem: pd.Series) -> pd.Series:
    """Mask of the rows that feed the metrics: an id, no problem, and not a dropped duplicate.

    Of several rows with one id the pipeline keeps one (a row without a problem first, ties
    broken by the raw record ascending); it feeds the metrics only if it has no problem.
    """
    duplicated = ids.notna() & ids.duplicated(keep=False)
    keep = ids.notna() & ~problem & ~duplicated
    if duplicated.any():
        candidates = pd.DataFrame(
            {
                "id": ids[duplicated],
                "problem": problem[duplicated],
                "raw": _raw_record(raw[duplicated]),
            }
        )
        first = candidates.sort_values(["id", "problem", "raw"]).drop_duplicates("id")
        keep[first.index[~first["problem"]]] = True
    return keep


def clean_customers(raw: pd.DataFrame, today: pd.Timestamp) -> pd.DataFrame:
    ratings = pd.read_csv(SEEDS_DIR / "credit_rating_scores.csv", dtype={"credit_rating": str})
    ids = _text(raw["customer_id"])
    start_text = _text(raw["partnership_start"])
    start = _day(start_text)
    rating = _text(raw["credit_rating"]).str.upper()
    score = rating.map(ratings.set_index("credit_rating")["credit_rating_score"]).astype(float)
    problem = (
        ids.isna()
        | (start_text.notna() & start.isna())
        | (start > today)
        | (rating.notna() & score.isna())
    )
    typed = pd.DataFrame(
        {"customer_id": ids, "partnership_start": start, "credit_rating_score": score}
    )
    return typed[_kept(raw, ids, problem)].reset_index(drop=True)


def _amount(text: pd.Series) -> pd.Series:
    return pd.to_numeric(text, errors="coerce").astype(float)


def clean_purchases(
    raw: pd.DataFrame, customer_ids: pd.Series, today: pd.Timestamp
) -> pd.DataFrame:
    ids, customer = _text(raw["purchase_id"]), _text(raw["customer_id"])
    day = _day(_text(raw["purchased_at"]))
    amount = _amount(_text(raw["amount"]))
    status = _text(raw["status"]).str.lower()
    problem = (
        customer.isna()
        | day.isna()
        | (day > today)
        | ~np.isfinite(amount)  # missing or non-numeric (decimal(18, 2) holds < 1e16)
        | (amount.abs() >= 1e16)
        | (amount < 0)
        | ~status.isin(STATUSES)
        | ~customer.isin(customer_ids)
    )
    typed = pd.DataFrame(
        # decimal(18, 2): whole cents, so sums are exact like the pipeline's
        {"customer_id": customer, "day": day, "cents": (amount * 100).round(), "status": status}
    )
    return typed[_kept(raw, ids, problem)].reset_index(drop=True)


def clean_payments(raw: pd.DataFrame, customer_ids: pd.Series, today: pd.Timestamp) -> pd.DataFrame:
    ids, customer = _text(raw["payment_id"]), _text(raw["customer_id"])
    due = _day(_text(raw["due_date"]))
    paid_text = _text(raw["paid_at"])
    paid = _day(paid_text)
    amount_text = _text(raw["amount"])
    amount = _amount(amount_text)
    problem = (
        customer.isna()
        | due.isna()
        | (paid_text.notna() & paid.isna())
        | (paid > today)
        | (amount_text.notna() & amount.isna())
        | (amount < 0)
        | ~customer.isin(customer_ids)
    )
    typed = pd.DataFrame({"customer_id": customer, "due": due, "paid": paid})
    return typed[_kept(raw, ids, problem)].reset_index(drop=True)


# --- Metrics, scores, grades ---------------------------------------------------------------------


def _sql_round(values: pd.Series, digits: int) -> pd.Series:
    """DuckDB's round(double, n): round(x * 10^n) / 10^n with halves away from zero."""
    scale = 10.0**digits
    scaled = values * scale
    whole = np.trunc(scaled)
    halves = (scaled - whole).abs() == 0.5
    return scaled.round().where(~halves, whole + np.sign(scaled)) / scale


def _percentile(values: pd.Series) -> pd.Series:
    """100 * percent_rank() ascending, NULLs first: share of the others strictly lower."""
    rank = values.rank(method="min", na_option="top")
    return 100 * ((rank - 1) / max(len(values) - 1, 1))


def _purchases_12m(
    landing: Landing,
    customers: pd.DataFrame,
    first: pd.Timestamp,
    last: pd.Timestamp,
    now: pd.Timestamp,
) -> pd.DataFrame:
    purchases = clean_purchases(landing.purchases, customers["customer_id"], now)
    in_window = purchases["day"].between(first, last) & (purchases["status"] == "completed")
    return (
        purchases[in_window]
        .groupby("customer_id")
        .agg(purchase_cents=("cents", "sum"), purchase_count_12m=("cents", "size"))
    )


def _on_time_rate_12m(
    landing: Landing,
    customers: pd.DataFrame,
    first: pd.Timestamp,
    last: pd.Timestamp,
    now: pd.Timestamp,
) -> pd.Series | float:
    if landing.payments is None:
        return np.nan  # payments not supplied: NULL for everyone
    payments = clean_payments(landing.payments, customers["customer_id"], now)
    due = payments[payments["due"].between(first, last)]
    on_time = (due["paid"] <= due["due"]).groupby(due["customer_id"]).agg(["sum", "size"])
    return on_time["sum"] / on_time["size"]  # NaN for customers with nothing due


def customer_metrics(landing: Landing, d: pd.Timestamp, now: pd.Timestamp) -> pd.DataFrame:
    """The five metrics default_abc scores, one row per gradable customer."""
    customers = clean_customers(landing.customers, now)
    # the 12-month window D-364 .. D; nothing dated after today is ever counted
    first, last = d - timedelta(days=364), min(d, now)
    metrics = customers.set_index("customer_id")
    metrics = metrics.join(_purchases_12m(landing, customers, first, last, now))
    metrics["purchase_value_12m"] = metrics["purchase_cents"].fillna(0) / 100
    metrics["purchase_count_12m"] = metrics["purchase_count_12m"].fillna(0)
    metrics["on_time_payment_rate_12m"] = _on_time_rate_12m(landing, customers, first, last, now)
    start = metrics["partnership_start"]
    months = (d.year * 12 + d.month) - (start.dt.year * 12 + start.dt.month)
    metrics["partnership_months"] = months.where(start <= d, 0).where(start.notna())
    return metrics


def grade_default_abc(landing: Landing, snapshot_date: date, today: date) -> pd.DataFrame:
    metrics = customer_metrics(landing, pd.Timestamp(snapshot_date), pd.Timestamp(today))
    months = metrics["partnership_months"]
    scores = pd.DataFrame(
        {
            "annual_value": _percentile(metrics["purchase_value_12m"]),
            "frequency": _percentile(metrics["purchase_count_12m"]),
            "punctuality": (100 * metrics["on_time_payment_rate_12m"]).clip(0, 100).fillna(50),
            "partnership": pd.Series(
                np.select([months < 12, months < 36, months < 60], [20, 50, 80], 100),
                index=metrics.index,
            ).where(months.notna(), 0),
            "credit": metrics["credit_rating_score"].clip(0, 100).fillna(40),
        }
    )
    composite = sum(weight * scores[part] for part, weight in WEIGHTS.items())
    score = _sql_round(_sql_round(composite, 9), 6)

    top_share = score.rank(method="max", ascending=False) / len(score)  # cume_dist, best first
    grade = np.select([top_share <= share for _, share in GRADES], [g for g, _ in GRADES], "C")
    result = pd.DataFrame({"customer_id": score.index, "score": score.to_numpy(), "grade": grade})
    return result.sort_values("customer_id", ignore_index=True)


def grade_range(landing: Landing, first: date, last: date, today: date) -> pd.DataFrame:
    """The naive backfill: grade every date from scratch."""
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    frames = [grade_default_abc(landing, d, today).assign(snapshot_date=d) for d in days]
    columns = ["snapshot_date", "customer_id", "score", "grade"]
    return pd.concat(frames, ignore_index=True)[columns]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Grade with the pandas baseline of default_abc.")
    parser.add_argument("--data", type=Path, required=True, help="landing folder")
    parser.add_argument("--date", type=date.fromisoformat, required=True, help="YYYY-MM-DD")
    parser.add_argument("--end", type=date.fromisoformat, help="last date of a range")
    parser.add_argument(
        "--today",
        type=date.fromisoformat,
        default=date.today(),
        help="the run's today (default: the real one)",
    )
    parser.add_argument("--out", type=Path, help="write the grades to this CSV")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    landing = load_landing(args.data)
    grades = grade_range(landing, args.date, args.end or args.date, args.today)
    elapsed = time.perf_counter() - started
    if args.out is not None:
        grades.to_csv(args.out, index=False)
    counts = grades["grade"].value_counts().sort_index().to_dict()
    print(f"graded {len(grades):,} customer-days {counts} in {elapsed:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
