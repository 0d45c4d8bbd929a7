"""Deterministic demo data for the landing folder.

The grading models are only as convincing as the data they are shown on, so this generator aims
for shapes a reviewer recognises (heavy-tailed spend, growing/declining/churned customers,
seasonality, late payers) and for the defects real exports carry (broken dates, non-numeric
amounts, duplicate and orphan ids), counted exactly so tests can prove the pipeline rejects each
one rather than silently absorbing it.

Everything is generated per chunk of customers with numpy, from a Generator seeded only by
``(seed, chunk_index)``: memory stays bounded at a million customers, and the same arguments
always produce byte-identical files.
"""

import argparse
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Self

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dagster_project.landing import ENTITY_COLUMNS

ENTITIES: tuple[str, ...] = ("customers", "salespeople", "purchases", "payments", "interactions")

# The landing contract lives in landing.py; the generator writes exactly those columns.
COLUMNS: dict[str, tuple[str, ...]] = ENTITY_COLUMNS

FORMATS = ("csv", "parquet")
UNKNOWN_CUSTOMER_ID = "CX999999"

# --- Shares and rates. Kept together so the realism knobs are reviewable in one place. ---------

REGIONS = ("East", "North", "South", "West", "Central")
REGION_P = (0.34, 0.20, 0.20, 0.11, 0.15)
BUSINESS_LINES = ("Enterprise", "SMB", "Public Sector")
BUSINESS_LINE_P = (0.20, 0.65, 0.15)
# Enterprise orders are bigger; this is what makes business_line worth grading by.
BUSINESS_LINE_SPEND = np.array([2.5, 0.7, 1.5])
# Payment terms in days (30/45/60) by business line: the public sector pays on longer terms.
TERMS_DAYS = np.array([30, 45, 60])
TERMS_P = ((0.3, 0.4, 0.3), (0.7, 0.2, 0.1), (0.2, 0.3, 0.5))
INDUSTRIES = ("Technology", "Manufacturing", "Retail", "Healthcare", "Logistics")
INDUSTRY_P = (0.30, 0.25, 0.20, 0.12, 0.13)
CREDIT_RATINGS = ("AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C", "D")
# Late payers skew towards worse ratings so the two signals agree, as they would in real life.
CREDIT_P = (0.04, 0.08, 0.17, 0.27, 0.20, 0.12, 0.06, 0.03, 0.02, 0.01)
CREDIT_P_LATE = (0.01, 0.02, 0.06, 0.15, 0.22, 0.22, 0.15, 0.09, 0.05, 0.03)

STABLE, GROWING, DECLINING, CHURNED, NEW = range(5)
ARCHETYPE_P = (0.45, 0.15, 0.15, 0.10, 0.15)

CHINESE_NAME_SHARE = 0.70
MISSING_OWNER_SHARE = 0.05
MISSING_PARTNERSHIP_SHARE = 0.05
MISSING_RATING_SHARE = 0.08
LATE_PAYER_SHARE = 0.15
# Customers whose bank feed only records the value date: paid_at is a bare date for them, so
# consumers must accept both shapes.
DATE_ONLY_PAYER_SHARE = 0.20
DORMANT_SHARE = 0.015  # plus new/churned customers with short, unlucky spells: ~3% never buy
CUSTOMERS_PER_SALESPERSON = 200
MIN_SALESPEOPLE = 5

# Churned and new customers are active for only part of the window (~88% of customer-time on
# average), and dormant ones never buy; the base rates are scaled up so that the population as a
# whole lands on ~10 purchases and ~6 interactions per customer per year.
_ACTIVE_TIME_SHARE = 0.8775 * (1 - DORMANT_SHARE)
PURCHASES_PER_YEAR = 10.0 / _ACTIVE_TIME_SHARE
INTERACTIONS_PER_YEAR = 6.0 / 0.8775
PURCHASE_RATE_SIGMA = 0.8
SPEND_SIGMA = 1.0  # with PURCHASE_RATE_SIGMA this puts ~70% of value in the top 20% of customers
ORDER_SIGMA = 0.45
ORDER_BASE = 1200.0

STATUSES = ("completed", "refunded", "cancelled")
STATUS_P = (0.93, 0.04, 0.03)
PAYMENT_SHARE = 0.90  # completed purchases that have a payment row
DEPOSIT_RATE = 0.0185  # per completed purchase; ~2% of payment rows carry no purchase_id
LATE_SHARE_OF_LATE_PAYER = 0.72
NEVER_PAID_SHARE_OF_LATE_PAYER = 0.03

INTERACTION_KINDS = ("consultation", "call", "email", "visit", "complaint")
INTERACTION_P = (0.40, 0.25, 0.20, 0.10, 0.05)
# Customers about to leave complain more: a signal the grading can pick up.
INTERACTION_P_CHURNED = (0.30, 0.25, 0.20, 0.10, 0.15)

# Q4 budget flush, and the Chinese New Year lull in February.
MONTH_MULTIPLIER = np.array([0.95, 0.6, 0.95, 1.0, 1.0, 1.0, 0.95, 0.95, 1.05, 1.15, 1.3, 1.45])
WEEKDAY_MULTIPLIER = np.array([1.15, 1.15, 1.15, 1.15, 1.1, 0.5, 0.35])  # Monday first
HOUR_WEIGHTS = np.array(
    [0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.3, 0.6, 1.2, 2.5, 2.8, 2.6]
    + [1.6, 2.2, 2.6, 2.6, 2.4, 1.8, 1.2, 0.9, 0.8, 0.6, 0.4, 0.2]
)

BAD_SHARE = 0.001
MIN_ROWS_FOR_BAD = 50
MIN_CUSTOMERS_FOR_BAD = 20

# Bad-row kinds per entity; each bad row carries exactly one defect so counts add up.
P_EMPTY_ID, P_EMPTY_CUSTOMER, P_NON_NUMERIC, P_NEGATIVE = range(4)
P_BAD_TIMESTAMP, P_FUTURE, P_DUPLICATE_ID, P_UNKNOWN_CUSTOMER = range(4, 8)
PAY_BAD_DUE, PAY_NEGATIVE, PAY_UNKNOWN_CUSTOMER = range(3)
I_UNKNOWN_CUSTOMER, I_BAD_TIMESTAMP = range(2)
BAD_TIMESTAMPS = ("2024-13-45", "2025-02-30 12:00:00", "2024-06-31 08:15:00", "20xx-03-01")
BAD_DATES = ("2024-13-45", "2025-02-30", "2024-06-31", "20xx-03-01")
FUTURE_YEAR = 2099

# --- Name material ---------------------------------------------------------------------------

CITIES_BY_REGION: dict[str, tuple[str, ...]] = {
    "East": ("上海", "杭州", "南京", "苏州", "宁波", "无锡", "合肥"),
    "North": ("北京", "天津", "青岛", "济南"),
    "South": ("深圳", "广州", "厦门", "佛山"),
    "West": ("成都", "西安", "重庆", "昆明"),
    "Central": ("武汉", "长沙", "郑州", "南昌"),
}
NAME_STEMS = (
    "华信", "远航", "星辰", "恒通", "博达", "中科", "瑞丰", "金桥", "天成", "新元",
    "鼎盛", "宏图", "汇智", "凯瑞", "润泽", "嘉禾", "永昌", "海川", "云帆", "明德",
    "锦程", "万象", "启明", "同创", "安捷", "晨光", "致远", "丰源", "德信", "融汇",
)  # fmt: skip
CHINESE_SUFFIXES: dict[str, tuple[str, ...]] = {
    "Technology": ("科技有限公司", "信息技术有限公司", "软件有限公司"),
    "Manufacturing": ("制造有限公司", "机械有限公司", "电子有限公司"),
    "Retail": ("贸易有限公司", "商贸有限公司", "百货有限公司"),
    "Healthcare": ("医疗器械有限公司", "医药有限公司", "健康科技有限公司"),
    "Logistics": ("物流有限公司", "供应链管理有限公司", "运输有限公司"),
}
ENGLISH_PREFIXES = (
    "Acme", "Apex", "Summit", "Pioneer", "Northwind", "Bluewater", "Silverline", "Redwood",
    "Evergreen", "Horizon", "Keystone", "Harbor", "Crescent", "Granite", "Meridian", "Orion",
    "Vertex", "Falcon", "Lakeside", "Sterling",
)  # fmt: skip
ENGLISH_NOUNS: dict[str, tuple[str, ...]] = {
    "Technology": ("Systems", "Software", "Digital", "Networks"),
    "Manufacturing": ("Components", "Industries", "Machinery", "Precision"),
    "Retail": ("Trading", "Stores", "Goods", "Retail"),
    "Healthcare": ("Medical", "Health", "Pharma", "Diagnostics"),
    "Logistics": ("Logistics", "Freight", "Shipping", "Supply Chain"),
}
# "Co., Ltd." puts a comma in some names, which keeps CSV quoting honest.
ENGLISH_SUFFIXES = ("Ltd", "Inc.", "LLC", "Co., Ltd.", "PLC", "Group")

SURNAMES = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("赵", "zhao"), ("黄", "huang"), ("周", "zhou"), ("吴", "wu"), ("徐", "xu"), ("孙", "sun"),
    ("胡", "hu"), ("朱", "zhu"), ("高", "gao"), ("林", "lin"), ("何", "he"), ("郭", "guo"),
)  # fmt: skip
GIVEN_NAMES = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
    ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"),
    ("杰", "jie"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀英", "xiuying"),
    ("霞", "xia"), ("欣怡", "xinyi"), ("子涵", "zihan"), ("浩然", "haoran"), ("晨", "chen"),
)  # fmt: skip


def _name_tables() -> dict[tuple[bool, int, int], np.ndarray]:
    """Every possible company name per (chinese, region, industry), built once.

    Picking an index into a prebuilt table is what keeps naming vectorised; tying Chinese
    city prefixes to the customer's region keeps names and regions from contradicting each other.
    """
    tables: dict[tuple[bool, int, int], np.ndarray] = {}
    for r, region in enumerate(REGIONS):
        for i, industry in enumerate(INDUSTRIES):
            chinese = [
                f"{city}{stem}{suffix}"
                for city in CITIES_BY_REGION[region]
                for stem in NAME_STEMS
                for suffix in CHINESE_SUFFIXES[industry]
            ]
            english = [
                f"{prefix} {noun} {suffix}"
                for prefix in ENGLISH_PREFIXES
                for noun in ENGLISH_NOUNS[industry]
                for suffix in ENGLISH_SUFFIXES
            ]
            tables[(True, r, i)] = np.array(chinese, dtype=object)
            tables[(False, r, i)] = np.array(english, dtype=object)
    return tables


_NAME_TABLES = _name_tables()


# --- Public API -------------------------------------------------------------------------------


@dataclass(frozen=True)
class GenerationSummary:
    """What a run wrote, so callers and tests can check files against intent.

    ``rows`` counts every row written per entity, bad ones included; ``bad_rows`` counts only the
    deliberately broken ones, exactly, so a pipeline's rejection counts can be asserted against it.
    """

    out_dir: Path
    rows: dict[str, int]
    bad_rows: dict[str, int]
    start_date: date
    end_date: date


def generate(
    out_dir: Path,
    *,
    customers: int = 5000,
    years: float = 2.0,
    end_date: date = date(2026, 11, 22),
    seed: int = 42,
    fmt: str = "csv",
    bad_rows: bool = True,
    chunk_customers: int = 50_000,
) -> GenerationSummary:
    """Write a complete landing folder and return what was written.

    The folder is cleared of earlier entity files first: consumers read ``<entity>*.<ext>``
    globs, so a stale part from a bigger earlier run would otherwise be read as live data.
    """
    if customers < 1:
        raise ValueError("customers must be at least 1")
    if not years > 0:
        raise ValueError("years must be positive")
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, got {fmt!r}")
    if seed < 0:
        raise ValueError("seed must be non-negative")
    if chunk_customers < 1:
        raise ValueError("chunk_customers must be at least 1")

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _clear(out_dir)
    window = _Window.build(end_date, years)
    n_salespeople = max(MIN_SALESPEOPLE, math.ceil(customers / CUSTOMERS_PER_SALESPERSON))

    rows = dict.fromkeys(ENTITIES, 0)
    bad = dict.fromkeys(ENTITIES, 0)
    with _Writer(out_dir, fmt) as writer:
        salespeople = _salespeople(seed, n_salespeople)
        writer.write("salespeople", None, salespeople)
        rows["salespeople"] = salespeople.num_rows

        next_ids = {"purchases": 1, "payments": 1, "interactions": 1}
        for chunk_index in range(math.ceil(customers / chunk_customers)):

            def emit(entity: str, table: pa.Table, n_bad: int, part: int = chunk_index + 1) -> None:
                writer.write(entity, part, table)
                rows[entity] += table.num_rows
                bad[entity] += n_bad

            first = chunk_index * chunk_customers
            _generate_chunk(
                rng=_chunk_rng(seed, chunk_index),
                first_number=first + 1,
                n=min(chunk_customers, customers - first),
                n_salespeople=n_salespeople,
                window=window,
                next_ids=next_ids,
                with_bad=bad_rows,
                emit=emit,
            )

    return GenerationSummary(
        out_dir=out_dir, rows=rows, bad_rows=bad, start_date=window.start, end_date=window.end
    )


# --- Calendar ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Window:
    """The history window as day indices, with per-day intensity multipliers precomputed.

    Working in integer day offsets from ``start`` keeps every event sampler a handful of numpy
    operations, and precomputing the multipliers makes seasonality a single gather.
    """

    start: date
    end: date
    days: int
    start_epoch_day: int
    purchase_day_mult: np.ndarray
    interaction_day_mult: np.ndarray

    @classmethod
    def build(cls, end: date, years: float) -> Self:
        days = max(1, round(years * 365.25))
        start = end - timedelta(days=days - 1)
        epoch_day = int(np.datetime64(start, "D").astype(np.int64))
        all_days = np.arange(epoch_day, epoch_day + days).astype("datetime64[D]")
        month = all_days.astype("datetime64[M]").astype(np.int64) % 12
        weekday = (all_days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
        weekday_mult = WEEKDAY_MULTIPLIER / WEEKDAY_MULTIPLIER.mean()
        month_mult = MONTH_MULTIPLIER / MONTH_MULTIPLIER.mean()
        return cls(
            start=start,
            end=end,
            days=days,
            start_epoch_day=epoch_day,
            purchase_day_mult=month_mult[month] * weekday_mult[weekday],
            interaction_day_mult=weekday_mult[weekday],
        )


# --- Chunk generation -------------------------------------------------------------------------


def _chunk_rng(seed: int, chunk_index: int) -> np.random.Generator:
    """A chunk's stream depends on nothing but (seed, chunk_index), keeping chunks independent."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0, chunk_index)))


@dataclass
class _ChunkCustomers:
    """Per-customer traits that drive the chunk's event streams (index = position in chunk)."""

    ids: pa.Array  # customer ids of the chunk, then UNKNOWN_CUSTOMER_ID at index n
    act_start: np.ndarray
    act_end: np.ndarray
    slope: np.ndarray
    purchase_rate: np.ndarray  # per day
    interaction_rate: np.ndarray  # per day
    spend_scale: np.ndarray
    terms: np.ndarray
    late_payer: np.ndarray
    date_only_payer: np.ndarray
    churned: np.ndarray


def _generate_chunk(
    *,
    rng: np.random.Generator,
    first_number: int,
    n: int,
    n_salespeople: int,
    window: _Window,
    next_ids: dict[str, int],
    with_bad: bool,
    emit: Callable[[str, pa.Table, int], None],
) -> None:
    """All entities for one chunk of customers; ``next_ids`` is advanced in place.

    Each table is handed to ``emit`` as soon as it exists and then dropped, so at most one
    entity's table is alive at a time: that, not the chunk size alone, is what bounds memory.
    """
    table, n_bad, traits = _customers(rng, first_number, n, n_salespeople, window, with_bad)
    emit("customers", table, n_bad)
    table, n_bad, bought, next_ids["purchases"] = _purchases(
        rng, traits, window, next_ids["purchases"], with_bad
    )
    emit("purchases", table, n_bad)
    del table
    table, n_bad, next_ids["payments"] = _payments(
        rng, traits, window, bought, next_ids["payments"], with_bad
    )
    emit("payments", table, n_bad)
    del table, bought
    table, n_bad, next_ids["interactions"] = _interactions(
        rng, traits, window, next_ids["interactions"], with_bad
    )
    emit("interactions", table, n_bad)


def _customers(
    rng: np.random.Generator,
    first_number: int,
    n: int,
    n_salespeople: int,
    window: _Window,
    with_bad: bool,
) -> tuple[pa.Table, int, _ChunkCustomers]:
    """The chunk's customer rows, plus the hidden traits that shape their events.

    Traits (archetype, activity, spend, payment habits) are drawn here once per customer so that
    purchases, payments and interactions tell one consistent story about each customer.
    """
    days = window.days
    region = _draw(rng, REGION_P, n)
    line = _draw(rng, BUSINESS_LINE_P, n)
    industry = _draw(rng, INDUSTRY_P, n)
    archetype = _draw(rng, ARCHETYPE_P, n)
    late_payer = rng.random(n) < LATE_PAYER_SHARE
    date_only_payer = rng.random(n) < DATE_ONLY_PAYER_SHARE
    owner = rng.integers(0, n_salespeople, n)
    owner_missing = rng.random(n) < MISSING_OWNER_SHARE

    new = archetype == NEW
    # New customers sign inside the window (not in its last fortnight, so they get to buy);
    # everyone else has been a partner for one to ten years before it starts.
    partnership = np.where(
        new, rng.integers(0, max(days - 14, 1), n), -rng.integers(30, 3650, n)
    ).astype(np.int64)
    # Blanks only among established customers, so "new" stays visible in the data.
    partnership_missing = ~new & (
        rng.random(n) < MISSING_PARTNERSHIP_SHARE / (1 - ARCHETYPE_P[NEW])
    )

    rating = np.where(late_payer, _draw(rng, CREDIT_P_LATE, n), _draw(rng, CREDIT_P, n))
    rating_missing = rng.random(n) < MISSING_RATING_SHARE

    chinese = rng.random(n) < CHINESE_NAME_SHARE
    name_pick = rng.random(n)
    names = np.empty(n, dtype=object)
    for (is_chinese, r, i), table in _NAME_TABLES.items():
        mask = (chinese == is_chinese) & (region == r) & (industry == i)
        names[mask] = table[(name_pick[mask] * len(table)).astype(np.int64)]

    churn_day = np.maximum((rng.uniform(0.15, 0.9, n) * days).astype(np.int64), 1)
    churned = archetype == CHURNED
    act_start = np.where(new, partnership, 0)
    act_end = np.where(churned, churn_day, days)
    slope_by_archetype = np.stack(
        [
            rng.uniform(-0.1, 0.1, n),  # stable
            rng.uniform(0.5, 0.9, n),  # growing: rate climbs from ~0.3x to ~1.7x
            -rng.uniform(0.5, 0.9, n),  # declining
            rng.uniform(-0.2, 0.1, n),  # churned: roughly flat until they stop
            rng.uniform(0.0, 0.3, n),  # new: ramping up
        ]
    )
    slope = slope_by_archetype[archetype, np.arange(n)]

    activity = _mean_one_lognormal(rng, PURCHASE_RATE_SIGMA, n)
    dormant = rng.random(n) < DORMANT_SHARE
    purchase_rate = np.where(dormant, 0.0, PURCHASES_PER_YEAR / 365.25 * activity)
    # Interactions follow purchasing activity, damped: busy customers talk to us more, quiet
    # ones still get the occasional call. E[activity**0.5] = exp(-sigma**2 / 8).
    engagement = np.where(dormant, 0.3, activity**0.5 / math.exp(-(PURCHASE_RATE_SIGMA**2) / 8))
    interaction_rate = INTERACTIONS_PER_YEAR / 365.25 * engagement
    spend_scale = ORDER_BASE * BUSINESS_LINE_SPEND[line] * _mean_one_lognormal(rng, SPEND_SIGMA, n)
    terms_choice = np.empty(n, dtype=np.int64)
    for ln, p in enumerate(TERMS_P):
        mask = line == ln
        terms_choice[mask] = _draw(rng, p, int(mask.sum()))
    terms = TERMS_DAYS[terms_choice]

    # Bad rows: duplicates of real customers (a later CRM edit with a different owner and
    # rating), and once per run a row whose id was lost.
    big_enough = with_bad and n >= MIN_CUSTOMERS_FOR_BAD
    n_dup = max(2, round(n * BAD_SHARE)) if big_enough else 0
    n_empty = 1 if big_enough and first_number == 1 else 0
    dup_src = rng.choice(n, n_dup, replace=False)
    empty_src = rng.integers(0, n, n_empty)
    src = np.concatenate([dup_src, empty_src])
    kinds = np.concatenate([np.zeros(n_dup, np.int64), np.ones(n_empty, np.int64)])
    order, _ = _interleave(rng, n, src, after_source=kinds == 0)

    number = np.concatenate([first_number + np.arange(n), first_number + src])
    number[n + n_dup :] = -1
    b_owner = owner[src].copy()
    b_owner[:n_dup] = rng.integers(0, n_salespeople, n_dup)
    b_rating = rating[src].copy()
    b_rating[:n_dup] = _draw(rng, CREDIT_P, n_dup)
    b_rating_missing = rating_missing[src].copy()
    b_rating_missing[:n_dup] = False

    def combined(good: np.ndarray, bad: np.ndarray | None = None) -> np.ndarray:
        return np.concatenate([good, good[src] if bad is None else bad])[order]

    owner_all = combined(owner, b_owner)
    owner_missing_all = combined(owner_missing)
    partnership_all = combined(partnership)
    rating_all = combined(rating, b_rating)
    table = _table(
        "customers",
        [
            _ids("C", combined(number[:n], number[n:]), 7),
            pa.array(combined(names), pa.string()),
            _labels(REGIONS, combined(region)),
            _labels(BUSINESS_LINES, combined(line)),
            _labels(INDUSTRIES, combined(industry)),
            _ids("S", np.where(owner_missing_all, -1, owner_all + 1), 4),
            _dates(window.start_epoch_day + partnership_all, combined(partnership_missing)),
            _labels(CREDIT_RATINGS, rating_all, combined(rating_missing, b_rating_missing)),
        ],
    )

    ids = _ids("C", first_number + np.arange(n), 7)
    traits = _ChunkCustomers(
        ids=pa.concat_arrays([ids, pa.array([UNKNOWN_CUSTOMER_ID], pa.string())]),
        act_start=act_start,
        act_end=act_end,
        slope=slope,
        purchase_rate=purchase_rate,
        interaction_rate=interaction_rate,
        spend_scale=spend_scale,
        terms=terms,
        late_payer=late_payer,
        date_only_payer=date_only_payer,
        churned=churned,
    )
    return table, n_dup + n_empty, traits


@dataclass
class _Bought:
    """The chunk's good purchases, as payments need them."""

    owner: np.ndarray
    day: np.ndarray
    cents: np.ndarray
    completed: np.ndarray
    id_number: np.ndarray


def _purchases(
    rng: np.random.Generator,
    cust: _ChunkCustomers,
    window: _Window,
    first_id: int,
    with_bad: bool,
) -> tuple[pa.Table, int, _Bought, int]:
    """Purchases in time order, with bad copies interleaved; also returns what payments need.

    Bad rows are extra copies of real purchases rather than mutations of them, so every good
    purchase keeps its payment and a pipeline that drops the bad rows sees a coherent history.
    """
    owner, day = _sample_events(
        rng, cust.purchase_rate, cust.act_start, cust.act_end, cust.slope,
        window.purchase_day_mult,
    )  # fmt: skip
    sec = _seconds(window, day, _seconds_of_day(rng, len(owner)))
    by_time = np.argsort(sec, kind="stable")
    owner, day, sec = owner[by_time], day[by_time], sec[by_time]
    m = len(owner)
    cents = _cents(cust.spend_scale[owner] * _mean_one_lognormal(rng, ORDER_SIGMA, m))
    status = _draw(rng, STATUS_P, m)

    kinds = _bad_kinds(m, 8, with_bad)
    src = _sources(rng, m, len(kinds))
    order, position = _interleave(rng, m, src, after_source=kinds == P_DUPLICATE_ID)
    b_owner = owner[src].copy()
    b_owner[kinds == P_EMPTY_CUSTOMER] = -1
    b_owner[kinds == P_UNKNOWN_CUSTOMER] = -2
    b_cents = cents[src].copy()
    negative = kinds == P_NEGATIVE
    b_cents[negative] = -b_cents[negative]
    dup = kinds == P_DUPLICATE_ID
    changed = _cents(b_cents[dup] / 100 * rng.uniform(0.5, 0.9, int(dup.sum())))
    b_cents[dup] = np.where(changed == b_cents[dup], changed + 100, changed)
    b_sec = sec[src].copy()
    future = kinds == P_FUTURE
    b_sec[future] = _future_seconds(rng, window, b_sec[future])

    owner_all = np.concatenate([owner, b_owner])[order]
    sec_all = np.concatenate([sec, b_sec])[order]
    cents_all = np.concatenate([cents, b_cents])[order]
    status_all = np.concatenate([status, status[src]])[order]

    gets_id = np.concatenate([np.ones(m, bool), (kinds != P_EMPTY_ID) & ~dup])[order]
    id_number = np.full(len(order), -1, dtype=np.int64)
    id_number[gets_id] = first_id + np.arange(int(gets_id.sum()))
    dup_rows = position[m:][dup]
    id_number[dup_rows] = id_number[position[src[dup]]]

    bad_at = position[m:]
    amount = _money(cents_all)
    non_numeric = kinds == P_NON_NUMERIC
    amount = _override(amount, bad_at[non_numeric], _non_numeric(cents[src[non_numeric]]))
    purchased_at = _timestamps(sec_all)
    bad_ts = kinds == P_BAD_TIMESTAMP
    purchased_at = _override(purchased_at, bad_at[bad_ts], _cycle(BAD_TIMESTAMPS, bad_ts))

    table = _table(
        "purchases",
        [
            _ids("P", id_number, 9),
            _customer_ids(cust, owner_all),
            purchased_at,
            amount,
            _labels(STATUSES, status_all),
        ],
    )
    bought = _Bought(
        owner=owner,
        day=day,
        cents=cents,
        completed=status == 0,
        id_number=id_number[position[:m]],
    )
    return table, len(kinds), bought, first_id + int(gets_id.sum())


def _payments(
    rng: np.random.Generator,
    cust: _ChunkCustomers,
    window: _Window,
    bought: _Bought,
    first_id: int,
    with_bad: bool,
) -> tuple[pa.Table, int, int]:
    """Payments in due-date order: one per (most) completed purchases, plus deposits."""
    m = len(bought.owner)
    linked = bought.completed & (rng.random(m) < PAYMENT_SHARE)
    deposit = bought.completed & (rng.random(m) < DEPOSIT_RATE)

    dep_owner = bought.owner[deposit]
    # Deposits fall due up to a week before the order they secure.
    dep_due = np.maximum(bought.day[deposit] - rng.integers(0, 8, len(dep_owner)), 0)
    dep_cents = _cents(bought.cents[deposit] / 100 * rng.uniform(0.2, 0.5, len(dep_owner)))
    owner = np.concatenate([bought.owner[linked], dep_owner])
    due = np.concatenate([bought.day[linked] + cust.terms[bought.owner[linked]], dep_due])
    cents = np.concatenate([bought.cents[linked], dep_cents])
    purchase_number = np.concatenate(
        [bought.id_number[linked], np.full(len(dep_owner), -1, np.int64)]
    )
    by_due = np.argsort(due, kind="stable")
    owner, due, cents, purchase_number = (
        owner[by_due], due[by_due], cents[by_due], purchase_number[by_due]
    )  # fmt: skip
    k = len(owner)

    late_payer = cust.late_payer[owner]
    u = rng.random(k)
    never = late_payer & (u < NEVER_PAID_SHARE_OF_LATE_PAYER)
    late = late_payer & ~never & (u < NEVER_PAID_SHARE_OF_LATE_PAYER + LATE_SHARE_OF_LATE_PAYER)
    paid_day = np.maximum(due + np.where(late, rng.integers(5, 91, k), -rng.integers(0, 11, k)), 0)
    # Whatever would be paid after end_date has simply not been paid yet.
    unpaid = never | (paid_day >= window.days)
    paid_sec = _seconds(window, paid_day, _seconds_of_day(rng, k))

    kinds = _bad_kinds(k, 3, with_bad)
    src = _sources(rng, k, len(kinds))
    order, position = _interleave(rng, k, src, after_source=np.zeros(len(kinds), bool))
    b_owner = owner[src].copy()
    b_owner[kinds == PAY_UNKNOWN_CUSTOMER] = -2
    b_purchase = purchase_number[src].copy()
    b_purchase[kinds == PAY_UNKNOWN_CUSTOMER] = -1
    b_cents = cents[src].copy()
    b_cents[kinds == PAY_NEGATIVE] *= -1

    owner_all = np.concatenate([owner, b_owner])[order]
    paid_all = np.concatenate([paid_sec, paid_sec[src]])[order]
    unpaid_all = np.concatenate([unpaid, unpaid[src]])[order]
    date_only = cust.date_only_payer[owner]
    date_only_all = np.concatenate([date_only, date_only[src]])[order]
    paid_at = pc.if_else(
        pa.array(date_only_all),
        _dates(paid_all // 86400, unpaid_all),
        _timestamps(paid_all, unpaid_all),
    )
    due_date = _dates(window.start_epoch_day + np.concatenate([due, due[src]])[order])
    bad_due = kinds == PAY_BAD_DUE
    due_date = _override(due_date, position[k:][bad_due], _cycle(BAD_DATES, bad_due))
    n_rows = len(order)
    table = _table(
        "payments",
        [
            _ids("Y", first_id + np.arange(n_rows), 9),
            _customer_ids(cust, owner_all),
            _ids("P", np.concatenate([purchase_number, b_purchase])[order], 9),
            due_date,
            paid_at,
            _money(np.concatenate([cents, b_cents])[order]),
        ],
    )
    return table, len(kinds), first_id + n_rows


def _interactions(
    rng: np.random.Generator,
    cust: _ChunkCustomers,
    window: _Window,
    first_id: int,
    with_bad: bool,
) -> tuple[pa.Table, int, int]:
    """Interactions share the purchase trend and active span, so churners go quiet too."""
    owner, day = _sample_events(
        rng, cust.interaction_rate, cust.act_start, cust.act_end, cust.slope,
        window.interaction_day_mult,
    )  # fmt: skip
    sec = _seconds(window, day, _seconds_of_day(rng, len(owner)))
    by_time = np.argsort(sec, kind="stable")
    owner, sec = owner[by_time], sec[by_time]
    m = len(owner)
    churned = cust.churned[owner]
    kind = np.where(churned, _draw(rng, INTERACTION_P_CHURNED, m), _draw(rng, INTERACTION_P, m))

    kinds = _bad_kinds(m, 2, with_bad)
    src = _sources(rng, m, len(kinds))
    order, position = _interleave(rng, m, src, after_source=np.zeros(len(kinds), bool))
    b_owner = owner[src].copy()
    b_owner[kinds == I_UNKNOWN_CUSTOMER] = -2
    occurred_at = _timestamps(np.concatenate([sec, sec[src]])[order])
    bad_ts = kinds == I_BAD_TIMESTAMP
    occurred_at = _override(occurred_at, position[m:][bad_ts], _cycle(BAD_TIMESTAMPS, bad_ts))
    n_rows = len(order)
    table = _table(
        "interactions",
        [
            _ids("I", first_id + np.arange(n_rows), 9),
            _customer_ids(cust, np.concatenate([owner, b_owner])[order]),
            occurred_at,
            _labels(INTERACTION_KINDS, np.concatenate([kind, kind[src]])[order]),
        ],
    )
    return table, len(kinds), first_id + n_rows


def _salespeople(seed: int, n: int) -> pa.Table:
    """Salespeople come from their own stream so their names don't depend on chunking."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,)))
    surname = rng.integers(0, len(SURNAMES), n)
    given = rng.integers(0, len(GIVEN_NAMES), n)
    names, emails, seen = [], [], {}
    for s, g in zip(surname.tolist(), given.tolist(), strict=True):  # a few thousand rows at most
        names.append(SURNAMES[s][0] + GIVEN_NAMES[g][0])
        local = f"{GIVEN_NAMES[g][1]}.{SURNAMES[s][1]}"
        seen[local] = seen.get(local, 0) + 1
        suffix = "" if seen[local] == 1 else str(seen[local])
        emails.append(f"{local}{suffix}@sales.example.com")
    return _table(
        "salespeople",
        [_ids("S", np.arange(1, n + 1), 4), pa.array(names, pa.string()), pa.array(emails)],
    )


# --- Sampling helpers -------------------------------------------------------------------------


def _draw(rng: np.random.Generator, p: Sequence[float], n: int) -> np.ndarray:
    """Categorical draw by inverse CDF; one uniform per row keeps streams easy to reason about."""
    cdf = np.cumsum(p)
    return np.minimum(np.searchsorted(cdf / cdf[-1], rng.random(n), side="right"), len(p) - 1)


def _mean_one_lognormal(rng: np.random.Generator, sigma: float, n: int) -> np.ndarray:
    """Multiplicative noise that leaves the mean unchanged, so shares stay calibrated."""
    return rng.lognormal(-(sigma**2) / 2, sigma, n)


def _sample_events(
    rng: np.random.Generator,
    rate: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    slope: np.ndarray,
    day_mult: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Inhomogeneous Poisson events per customer by thinning, fully vectorised.

    The intensity is rate x trend(day) x day_mult(day) with a linear trend over the whole window
    (growing customers buy more later, declining ones less). Candidates are drawn at the peak
    intensity over [start, end) and kept with probability intensity / peak, which is exact and
    needs no per-customer loop.
    """
    days = len(day_mult)
    length = np.maximum(end - start, 0)
    trend_peak = 1 + np.abs(slope)
    mult_peak = float(day_mult.max())
    n_candidates = rng.poisson(rate * trend_peak * mult_peak * length)
    owner = np.repeat(np.arange(len(rate)), n_candidates)
    day = start[owner] + (rng.random(len(owner)) * length[owner]).astype(np.int64)
    trend = 1 + slope[owner] * (2 * (day + 0.5) / days - 1)
    keep = rng.random(len(owner)) * trend_peak[owner] * mult_peak < trend * day_mult[day]
    return owner[keep], day[keep]


def _seconds_of_day(rng: np.random.Generator, n: int) -> np.ndarray:
    """Business-hours-heavy time of day, so timestamps look like people made them."""
    hour = _draw(rng, HOUR_WEIGHTS, n)
    return hour * 3600 + rng.integers(0, 3600, n)


def _seconds(window: _Window, day: np.ndarray, second_of_day: np.ndarray) -> np.ndarray:
    return (window.start_epoch_day + day) * 86400 + second_of_day


def _future_seconds(rng: np.random.Generator, window: _Window, sec: np.ndarray) -> np.ndarray:
    """1..400 days after end_date, moved to 2099 so it is unambiguously future on any run date."""
    end_day = np.datetime64(window.end, "D")
    shifted = end_day + rng.integers(1, 401, len(sec)).astype("timedelta64[D]")
    day_of_year = shifted - shifted.astype("datetime64[Y]").astype("datetime64[D]")
    future_day = np.datetime64(f"{FUTURE_YEAR}-01-01", "D") + day_of_year
    return future_day.astype(np.int64) * 86400 + sec % 86400


def _cents(amount: np.ndarray) -> np.ndarray:
    return np.maximum(np.rint(amount * 100), 100).astype(np.int64)


def _bad_kinds(n_good: int, n_kinds: int, enabled: bool) -> np.ndarray:
    """~BAD_SHARE of rows, but every kind at least once when the entity is big enough to bear it."""
    if not enabled or n_good < MIN_ROWS_FOR_BAD:
        return np.zeros(0, dtype=np.int64)
    return np.arange(max(n_kinds, round(n_good * BAD_SHARE))) % n_kinds


def _interleave(
    rng: np.random.Generator, n_good: int, src: np.ndarray, after_source: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Scatter bad rows among good ones, as a real export would have them.

    Rows are addressed as good ``0..n_good-1`` then bad ``n_good..``. Returns ``order`` (final row
    -> combined index) and ``position`` (combined index -> final row). A bad row flagged
    ``after_source`` lands after the good row it copies, so "the later duplicate" is well defined.
    """
    low = np.where(after_source, src, 0)
    slot = rng.integers(low, n_good + 1) if len(src) else np.zeros(0, np.int64)
    keys = np.concatenate([2 * np.arange(n_good), 2 * slot + 1])
    order = np.argsort(keys, kind="stable")
    position = np.empty_like(order)
    position[order] = np.arange(len(order))
    return order, position


def _sources(rng: np.random.Generator, n_good: int, count: int) -> np.ndarray:
    """The good rows that bad rows are copied from: copies keep every other field plausible."""
    if count == 0:
        return np.zeros(0, dtype=np.int64)
    return rng.integers(0, n_good, count)


def _cycle(values: Sequence[str], mask: np.ndarray) -> list[str]:
    return [values[i % len(values)] for i in range(int(mask.sum()))]


def _non_numeric(cents: np.ndarray) -> list[str]:
    """Amounts mangled the way spreadsheets mangle them: '12,3x'."""
    return [f"{c // 100},{c % 10}x" for c in cents.tolist()]


# --- Formatting helpers: everything ends up as strings so CSV and Parquet read identically. ----


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Zero-padded ids; negative numbers mean "no id" and become nulls (empty in CSV)."""
    numbers = np.asarray(numbers, dtype=np.int64)
    digits = pc.utf8_lpad(
        pc.cast(pa.array(numbers, mask=numbers < 0), pa.string()), width=width, padding="0"
    )
    return pc.binary_join_element_wise(prefix, digits, "")


def _customer_ids(cust: _ChunkCustomers, owner: np.ndarray) -> pa.Array:
    """-1 = empty customer_id, -2 = an id no customer has."""
    unknown = len(cust.ids) - 1
    index = np.where(owner == -2, unknown, owner)
    return pc.take(cust.ids, pa.array(index, mask=owner == -1))


def _labels(
    values: Sequence[str], index: np.ndarray, missing: np.ndarray | None = None
) -> pa.Array:
    return pc.take(pa.array(values, pa.string()), pa.array(index, mask=missing))


def _timestamps(sec: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    return pc.cast(pa.array(sec.astype("datetime64[s]"), mask=missing), pa.string())


def _dates(epoch_day: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    return pc.cast(pa.array(epoch_day.astype("datetime64[D]"), mask=missing), pa.string())


def _money(cents: np.ndarray) -> pa.Array:
    """Two-decimal amounts built from integer cents, so no float ever rounds a value."""
    magnitude = np.abs(cents)
    text = pc.binary_join_element_wise(
        pc.cast(pa.array(magnitude // 100), pa.string()),
        pc.utf8_lpad(pc.cast(pa.array(magnitude % 100), pa.string()), width=2, padding="0"),
        ".",
    )
    negative = cents < 0
    if negative.any():
        text = pc.if_else(pa.array(negative), pc.binary_join_element_wise("-", text, ""), text)
    return text


def _override(column: pa.Array, rows: np.ndarray, values: list[str]) -> pa.Array:
    """Put literal (broken) text at the given rows."""
    if len(rows) == 0:
        return column
    mask = np.zeros(len(column), dtype=bool)
    mask[rows] = True
    ordered = [values[i] for i in np.argsort(rows, kind="stable").tolist()]
    return pc.replace_with_mask(column, pa.array(mask), pa.array(ordered, pa.string()))


def _table(entity: str, arrays: list[pa.Array]) -> pa.Table:
    schema = pa.schema([(name, pa.string()) for name in COLUMNS[entity]])
    return pa.Table.from_arrays([a.cast(pa.string()) for a in arrays], schema=schema)


# --- Output -----------------------------------------------------------------------------------


def _clear(out_dir: Path) -> None:
    """Remove earlier entity files (and our abandoned temp files), leaving anything else alone."""
    for entity in ENTITIES:
        for pattern in (f"{entity}*", f".{entity}*.tmp"):
            for path in out_dir.glob(pattern):
                if path.is_file():
                    path.unlink()


class _Writer:
    """Atomic per-file writes: a reader never sees a half-written part under a live name.

    CSV goes through DuckDB because its writer quotes only where needed (pyarrow's quotes every
    string) and is fast; the temp name starts with a dot so ``<entity>*`` globs never match it.
    """

    def __init__(self, out_dir: Path, fmt: str) -> None:
        self.out_dir = out_dir
        self.fmt = fmt
        self._con = duckdb.connect() if fmt == "csv" else None
        if self._con is not None:
            self._con.execute("SET preserve_insertion_order = true")

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._con is not None:
            self._con.close()

    def write(self, entity: str, part: int | None, table: pa.Table) -> Path:
        name = entity if part is None else f"{entity}-{part:05d}"
        final = self.out_dir / f"{name}.{self.fmt}"
        tmp = self.out_dir / f".{final.name}.tmp"
        try:
            if self._con is not None:
                self._con.register("part_to_write", table)
                try:
                    target = str(tmp).replace("'", "''")
                    self._con.execute(
                        f"COPY part_to_write TO '{target}' "
                        "(FORMAT CSV, HEADER, DELIMITER ',', QUOTE '\"', ESCAPE '\"')"
                    )
                finally:
                    self._con.unregister("part_to_write")
            else:
                pq.write_table(table, tmp, compression="zstd")
            os.replace(tmp, final)
        finally:
            tmp.unlink(missing_ok=True)
        return final


# --- CLI --------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: ``python -m dagster_project.demo_data --out DIR ...``."""
    parser = argparse.ArgumentParser(
        prog="python -m dagster_project.demo_data",
        description="Write deterministic demo data (with counted bad rows) to a landing folder.",
    )
    parser.add_argument("--out", type=Path, required=True, help="landing folder to (re)write")
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--years", type=float, default=2.0, help="history length ending end-date")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--end-date", type=date.fromisoformat, default=date(2026, 11, 22), help="YYYY-MM-DD"
    )
    parser.add_argument("--format", dest="fmt", choices=FORMATS, default="csv")
    parser.add_argument("--no-bad-rows", dest="bad_rows", action="store_false")
    parser.add_argument("--chunk-customers", type=int, default=50_000, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    summary = generate(
        args.out,
        customers=args.customers,
        years=args.years,
        end_date=args.end_date,
        seed=args.seed,
        fmt=args.fmt,
        bad_rows=args.bad_rows,
        chunk_customers=args.chunk_customers,
    )
    elapsed = time.perf_counter() - started
    print(
        f"Wrote {args.fmt} demo data to {summary.out_dir} "
        f"({summary.start_date} .. {summary.end_date}) in {elapsed:.1f}s"
    )
    for entity in ENTITIES:
        print(
            f"  {entity:<13}{summary.rows[entity]:>14,} rows"
            f"{summary.bad_rows[entity]:>10,} deliberately bad"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
