"""A tiny landing folder and two grading models where known customers up- and downgrade.

Both models score one thing, purchase_value_12m (1 point per 1,000), so every score below is
plain arithmetic on the purchases written here: A >= 70, B >= 40, C below. Snapshots are a week
apart (D1, D2, D3, then D4 after a rule change), so purchases leaving the 365-day window move
scores down on known dates.

| customer | owner | D1 | D2 | D3 | why |
|---|---|---|---|---|---|
| C1 | alice | 30 C | 50 B | 75 A | buys more: two upgrades |
| C2 | alice | 90 A | 10 C | 10 C | an 80k purchase leaves the window: downgrade and an 89% drop |
| C3 | alice | 65 B | 55 B | 45 B | falls twice in a row: a decline streak, same grade |
| C4 | (none) | 80 A | 80 A | 80 A | key account; no purchase for 20, 27, 34 days: inactive at D3 |
| C5 | bob | 50 B | 50 B | 50 B | stable; becomes C at D4 under stricter rules |
| C6 | bob | 71 A | 69 B | 66 B | on the A threshold; with hysteresis (3 points) A holds at D2 |
| C7 | bob | 40 B | 40 B | gone | leaves the customer file before D3: exited |
| C8 | bob | - | 20 C | 20 C | joins before D2: new |
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

D1 = dt.date(2026, 6, 1)
D2 = D1 + dt.timedelta(days=7)
D3 = D2 + dt.timedelta(days=7)
D4 = D3 + dt.timedelta(days=7)

ALERT_MODEL = "alerts_test"
HELD_MODEL = "held_test"
FALLBACK = "ops@example.com"
ALICE = "alice@example.com"
BOB = "bob@example.com"

OWNERS = {
    "C1": "S1",
    "C2": "S1",
    "C3": "S1",
    "C4": "",
    "C5": "S2",
    "C6": "S2",
    "C7": "S2",
    "C8": "S2",
}


def _purchases() -> list[tuple[str, dt.date, float]]:
    def before(day: dt.date, days: int) -> dt.date:
        return day - dt.timedelta(days=days)

    return [
        ("C1", before(D1, 30), 30_000),
        ("C1", before(D2, 2), 20_000),
        ("C1", before(D3, 2), 25_000),
        ("C2", before(D1, 360), 80_000),
        ("C2", before(D1, 5), 10_000),
        ("C3", before(D1, 362), 10_000),
        ("C3", before(D2, 362), 10_000),
        ("C3", before(D1, 10), 45_000),
        ("C4", before(D1, 20), 80_000),
        ("C5", before(D1, 100), 50_000),
        ("C6", before(D1, 15), 66_000),
        ("C6", before(D2, 364), 3_000),
        ("C6", before(D1, 364), 2_000),
        ("C7", before(D1, 40), 40_000),
        ("C8", before(D2, 3), 20_000),
    ]


MODEL_TEMPLATE = """\
name: {name}
description: Test model - 1 point per 1,000 of 12-month purchase value.
{extra}
score:
  combine: weighted
  parts:
    - name: annual_value
      weight: 1
      metric: purchase_value_12m
      method: linear
      linear: {{slope: 0.001, cap: 100}}
grades:
  - name: A
    min_score: 70
    policy: {{discount_pct: 8, credit_limit: 500000, payment_terms_days: 60,
             service_response_hours: 4, follow_up_days: 14,
             extra: {{service_level: gold}}}}
  - name: B
    min_score: {b_min}
    policy: {{discount_pct: 4, credit_limit: 100000, payment_terms_days: 30,
             service_response_hours: 24, follow_up_days: 30,
             extra: {{service_level: standard}}}}
  - name: C
    policy: {{discount_pct: 0, credit_limit: 10000, payment_terms_days: 0,
             service_response_hours: 72, follow_up_days: 90}}
"""

ALERTS_BLOCK = f"""\
policy_precedence: 10
alerts:
  fallback_recipient: {FALLBACK}
  downgrade: true
  upgrade: true
  sustained_decline: {{consecutive_snapshots: 2, drop_pct: 20, within_days: 7}}
  key_account_inactivity: {{grades: [A], days_without_purchase: 30}}
"""

HYSTERESIS_BLOCK = """\
hysteresis: {margin_points: 3}
"""


def write_models(models_dir: Path, b_min: int = 40) -> None:
    """The two models; b_min=60 is the 'rule change' that makes C5 (50) a C."""
    models_dir.mkdir(parents=True, exist_ok=True)
    (models_dir / f"{ALERT_MODEL}.yml").write_text(
        MODEL_TEMPLATE.format(name=ALERT_MODEL, extra=ALERTS_BLOCK, b_min=b_min),
        encoding="utf-8",
    )
    (models_dir / f"{HELD_MODEL}.yml").write_text(
        MODEL_TEMPLATE.format(name=HELD_MODEL, extra=HYSTERESIS_BLOCK, b_min=40),
        encoding="utf-8",
    )


def write_landing(data_dir: Path, snapshot: dt.date) -> None:
    """The landing folder as it looks when `snapshot` is graded (C8 joins, C7 leaves)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    customers = [c for c in OWNERS if not (c == "C8" and snapshot < D2)]
    customers = [c for c in customers if not (c == "C7" and snapshot >= D3)]
    _write(
        data_dir / "customers.csv",
        [
            "customer_id",
            "customer_name",
            "region",
            "business_line",
            "industry",
            "owner_id",
            "partnership_start",
            "credit_rating",
        ],
        [
            [c, f"Customer {c}", "East", "SMB", "Retail", OWNERS[c], "2020-01-01", "A"]
            for c in customers
        ],
    )
    _write(
        data_dir / "salespeople.csv",
        ["salesperson_id", "name", "email"],
        [["S1", "Alice", ALICE], ["S2", "Bob", BOB]],
    )
    _write(
        data_dir / "purchases.csv",
        ["purchase_id", "customer_id", "purchased_at", "amount", "status"],
        [
            [f"P{index:03d}", customer, f"{day.isoformat()} 10:00:00", f"{amount:.2f}", "completed"]
            for index, (customer, day, amount) in enumerate(_purchases(), start=1)
            if customer in customers
        ],
    )


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    temporary = path.with_suffix(".tmp")
    with temporary.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    temporary.replace(path)
