"""The grading-model file format as pydantic models.

These classes are the single definition of what a `grading_models/*.yml` file may contain: the
loader validates against them, and the JSON Schema that editors use for completion is generated
from them, so the two can never disagree. Field descriptions are written for the data engineer
editing the YAML, because they surface as hover text in the editor.

Rules that need to see more than one field at a time (weights summing to 1, band coverage, grade
order, reachability) live in `validation.py`, where they can report every problem of a file with
its exact path instead of stopping at the first failed validator.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    StringConstraints,
    Tag,
)

NAME_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"
GRADE_NAME_PATTERN = r"^[A-Za-z0-9_+-]{1,16}$"
EXTRA_KEY_PATTERN = r"^[a-z][a-z0-9_]*$"
# Depth of the deepest part below the root score; the dbt SQL unrolls exactly this many levels.
MAX_DEPTH = 4
WEIGHT_TOLERANCE = 1e-6
# The root node is called 'total' in the compiled tables, so a part may not take that name.
ROOT_NODE_NAME = "total"
METHODS = ("linear", "bands", "rank_bands", "percentile")
SCOPE_FIELDS = ("region", "business_line", "industry")
GROUP_TAG = "group"

Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]
GradeName = Annotated[str, StringConstraints(pattern=GRADE_NAME_PATTERN)]
ExtraKey = Annotated[str, StringConstraints(pattern=EXTRA_KEY_PATTERN)]
ScopeValue = Annotated[str, StringConstraints(pattern=r"\S")]
# Deliberately simple: one '@', no spaces, a dot in the domain. Mail servers do the real check;
# this catches the typos (a missing '@', a pasted name) that would make every alert undeliverable.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
Email = Annotated[str, StringConstraints(pattern=EMAIL_PATTERN)]


def _weight_field() -> Any:
    """One definition for both part kinds, so the editor hint reads the same everywhere."""
    return Field(
        None,
        gt=0,
        le=1,
        description=(
            "Share of this part in its parent's score. Required in a weighted group (the weights "
            "of a group add up to 1); not allowed in a sum group"
        ),
    )


class _Spec(BaseModel):
    """Base for every block of the file.

    Strict and closed on purpose: a misspelt key or a quoted number in a grading model silently
    changes customers' grades, so both are errors rather than being ignored or coerced.
    """

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class LinearRule(_Spec):
    """Points proportional to the metric: min(max(intercept + slope * value, floor), cap)."""

    model_config = ConfigDict(title="Linear rule")

    slope: float = Field(description="Points per unit of the metric, e.g. 10 per consultation")
    intercept: float = Field(0.0, description="Points at value 0 (default 0)")
    floor: float = Field(0.0, description="Lowest score this part gives (default 0)")
    cap: float = Field(description="Highest score this part gives, e.g. 50")


class Band(_Spec):
    """One step of a step table on the metric value.

    Give at most one lower bound (gt or gte) and at most one upper bound (lt or lte); a missing
    bound means unbounded. Together the bands must cover every value exactly once.
    """

    model_config = ConfigDict(title="Band")

    gt: float | None = Field(None, description="Lower bound, exclusive: value > gt")
    gte: float | None = Field(None, description="Lower bound, inclusive: value >= gte")
    lt: float | None = Field(None, description="Upper bound, exclusive: value < lt")
    lte: float | None = Field(None, description="Upper bound, inclusive: value <= lte")
    score: float = Field(description="Points for a value inside this band")

    @property
    def lower(self) -> float | None:
        return self.gte if self.gte is not None else self.gt

    @property
    def lower_inclusive(self) -> bool:
        return self.gte is not None

    @property
    def upper(self) -> float | None:
        return self.lte if self.lte is not None else self.lt

    @property
    def upper_inclusive(self) -> bool:
        return self.lte is not None


class RankBand(_Spec):
    """One step by position in the ranking of the model's population, best first.

    A band covers the customers whose top share is above the previous band's top and at most its
    own, so {top: 0.1} is the best 10%. Tops strictly increase and the last one is 1.0.
    """

    model_config = ConfigDict(title="Rank band")

    top: float = Field(
        gt=0,
        le=1,
        description="Upper end of this band as a share of the ranked population, in (0, 1]",
    )
    score: float = Field(description="Points for a customer ranked inside this band")


class _Dimension(_Spec):
    """Fields shared by every scored dimension (a leaf of the scoring tree)."""

    name: Name = Field(description="Name of this part, unique within the model (snake_case)")
    weight: float | None = _weight_field()
    metric: str = Field(
        description="A metric of seeds/metric_catalogue.csv, e.g. purchase_count_12m"
    )
    missing_score: float = Field(
        0.0, description="Score when the metric is NULL for a customer (default 0)"
    )
    higher_is_better: bool | None = Field(
        None,
        description=(
            "Ranking direction for rank_bands and percentile (default true); set false for "
            "metrics where less is better, e.g. days_since_last_purchase"
        ),
    )


class LinearDimension(_Dimension):
    """A dimension scored proportionally to its metric, clipped to [floor, cap]."""

    model_config = ConfigDict(title="Dimension (method: linear)")

    method: Literal["linear"] = Field(description="How the metric becomes points")
    linear: LinearRule


class BandsDimension(_Dimension):
    """A dimension scored by a step table on the metric value."""

    model_config = ConfigDict(title="Dimension (method: bands)")

    method: Literal["bands"] = Field(description="How the metric becomes points")
    bands: list[Band] = Field(
        min_length=1, description="Steps on the metric value; together they cover every value"
    )


class RankBandsDimension(_Dimension):
    """A dimension scored by the customer's position in the ranking of the model's population."""

    model_config = ConfigDict(title="Dimension (method: rank_bands)")

    method: Literal["rank_bands"] = Field(description="How the metric becomes points")
    rank_bands: list[RankBand] = Field(
        min_length=1,
        description="Steps on the top share, best first; tops strictly increase, the last is 1.0",
    )


class PercentileDimension(_Dimension):
    """A dimension scored 100 * the customer's percentile (0..100) within the model's population."""

    model_config = ConfigDict(title="Dimension (method: percentile)")

    method: Literal["percentile"] = Field(description="How the metric becomes points")


Dimension = LinearDimension | BandsDimension | RankBandsDimension | PercentileDimension


class _GroupFields(_Spec):
    combine: Literal["weighted", "sum"] = Field(
        description=(
            "weighted: sum(weight * part), part weights required and adding up to 1; "
            "sum: min(sum(part), cap), parts without weights"
        )
    )
    cap: float | None = Field(
        None, description="Only for combine: sum; the group's score never exceeds it"
    )


class RootGroup(_GroupFields):
    """The composite score: a group of parts. It is named 'total' in the compiled tables."""

    model_config = ConfigDict(title="Score (root group)")

    parts: list[Part] = Field(min_length=1, description="The dimensions and groups it combines")


class GroupPart(_GroupFields):
    """A sub-score combining further parts (dimensions or groups)."""

    model_config = ConfigDict(title="Group part")

    name: Name = Field(description="Name of this part, unique within the model (snake_case)")
    weight: float | None = _weight_field()
    parts: list[Part] = Field(min_length=1, description="The dimensions and groups it combines")


def part_kind(value: Any) -> str | None:
    """Pick the part class from the keys present, so errors come from one class only.

    Without this, a mistake in a group part would be reported once per possible part class,
    burying the real problem under complaints about keys the author never meant to write.
    """
    if isinstance(value, BaseModel):
        return GROUP_TAG if isinstance(value, GroupPart) else getattr(value, "method", None)
    if not isinstance(value, dict):
        return None
    if "parts" in value or "combine" in value:
        return GROUP_TAG
    method = value.get("method")
    return method if isinstance(method, str) else None


Part = Annotated[
    Annotated[GroupPart, Tag(GROUP_TAG)]
    | Annotated[LinearDimension, Tag("linear")]
    | Annotated[BandsDimension, Tag("bands")]
    | Annotated[RankBandsDimension, Tag("rank_bands")]
    | Annotated[PercentileDimension, Tag("percentile")],
    Discriminator(part_kind),
]
PART_TAGS = frozenset({GROUP_TAG, *METHODS})

ScalarValue = str | bool | int | float


class Policy(_Spec):
    """What a customer of this grade gets; exported to sales and service systems."""

    model_config = ConfigDict(title="Grade policy")

    discount_pct: float = Field(ge=0, le=100, description="Price discount in percent, 0..100")
    credit_limit: float = Field(ge=0, description="Credit limit in currency units, >= 0")
    payment_terms_days: int = Field(ge=0, description="Payment terms in days (0 = pay upfront)")
    service_response_hours: float = Field(gt=0, description="Service response time in hours, > 0")
    follow_up_days: int = Field(gt=0, description="Days between sales follow-ups, > 0")
    extra: dict[ExtraKey, ScalarValue] = Field(
        default_factory=dict,
        description=(
            "Further treatments as snake_case keys with text, number or true/false values, "
            "e.g. dedicated_account_manager: true"
        ),
        json_schema_extra={"additionalProperties": False},
    )


class Grade(_Spec):
    """A grade, listed best first. Every grade but the last has exactly one threshold."""

    model_config = ConfigDict(title="Grade")

    name: GradeName = Field(description="Grade label, e.g. S, A, B+ (letters, digits, _ + -)")
    min_score: float | None = Field(
        None, description="The grade applies when the composite score is >= min_score"
    )
    top_share: float | None = Field(
        None,
        gt=0,
        lt=1,
        description="The grade applies to the best customers up to this share, e.g. 0.2 = top 20%",
    )
    policy: Policy = Field(description="Treatment of customers in this grade")


class Scope(_Spec):
    """Which customers the model grades: all listed fields must match (AND), any listed value
    within a field may match (OR). Leave it out to grade every customer."""

    model_config = ConfigDict(title="Scope")

    region: list[ScopeValue] | None = Field(None, min_length=1, description="Regions, e.g. [East]")
    business_line: list[ScopeValue] | None = Field(
        None, min_length=1, description="Business lines to include"
    )
    industry: list[ScopeValue] | None = Field(
        None, min_length=1, description="Industries, e.g. [Technology]"
    )

    def items(self) -> list[tuple[str, list[str]]]:
        """The given fields in a fixed order, so compiled rows are reproducible."""
        return [(f, v) for f in SCOPE_FIELDS if (v := getattr(self, f)) is not None]


class Hysteresis(_Spec):
    """Damping for customers sitting on a threshold, so their grade does not flap daily.

    A grade moves only when the score clears the new grade's floor by margin_points (or falls
    margin_points below the current grade's floor), and only after that has held for
    confirm_snapshots snapshots in a row.
    """

    model_config = ConfigDict(title="Hysteresis")

    margin_points: float = Field(
        0.0,
        ge=0,
        description=(
            "Score points a customer must clear a threshold by before the grade moves "
            "(default 0: the threshold itself)"
        ),
    )
    confirm_snapshots: int = Field(
        1,
        ge=1,
        le=30,
        description=(
            "Consecutive snapshots the new grade must hold before it applies (default 1: at once)"
        ),
    )


class SustainedDecline(_Spec):
    """An at-risk alert while the grade has not changed yet: the score keeps falling."""

    model_config = ConfigDict(title="Sustained-decline alert")

    consecutive_snapshots: int | None = Field(
        None,
        ge=2,
        le=30,
        description="Alert when the score fell in each of the last N snapshots, e.g. 3",
    )
    drop_pct: float | None = Field(
        None,
        gt=0,
        le=100,
        description="Alert when the score fell by at least this percentage within within_days",
    )
    within_days: int | None = Field(
        None,
        ge=1,
        le=366,
        description="Window in days for drop_pct, e.g. 7 (with drop_pct 20: 20% in 7 days)",
    )


class KeyAccountInactivity(_Spec):
    """A churn warning for the best customers when they stop buying."""

    model_config = ConfigDict(title="Key-account inactivity alert")

    grades: list[GradeName] = Field(
        min_length=1, description="Grades that count as key accounts, e.g. [S, A]"
    )
    days_without_purchase: int = Field(
        ge=1, le=3650, description="Alert when the last completed purchase is this many days ago"
    )


class Alerts(_Spec):
    """Which changes are pushed to the customer's salesperson (customers.owner_id)."""

    model_config = ConfigDict(title="Alerts")

    fallback_recipient: Email = Field(
        description=(
            "Email address that receives the alerts of customers without an owner (or whose "
            "owner has no usable email), e.g. sales-ops@example.com"
        )
    )
    downgrade: bool = Field(True, description="Alert when a customer drops a grade (default true)")
    upgrade: bool = Field(False, description="Alert when a customer rises a grade (default false)")
    sustained_decline: SustainedDecline | None = Field(
        None, description="Alert when the score keeps falling, before the grade changes"
    )
    key_account_inactivity: KeyAccountInactivity | None = Field(
        None, description="Alert when a customer in a key grade stops purchasing"
    )


class GradingModel(_Spec):
    """A customer grading model: a scoring tree, grades and the policy bound to each grade.

    One model per file in grading_models/. The loader attaches the file it came from and a
    version hash of the file's bytes, so every graded row can be traced to the exact rules.
    """

    model_config = ConfigDict(title="Grading model")

    name: Name = Field(description="Model name, unique across all files (snake_case)")
    description: str = Field("", description="What the model is for and where its rules come from")
    allow_unreachable_grades: bool = Field(
        False,
        description=(
            "Report grades that no customer can reach as warnings instead of errors, e.g. to "
            "keep a published model's thresholds verbatim"
        ),
    )
    scope: Scope | None = Field(None, description="Customers this model grades; omit for everyone")
    score: RootGroup = Field(description="The composite score (the root group of parts)")
    grades: list[Grade] = Field(
        min_length=2, description="Grades best first; the last one is the catch-all"
    )
    policy_precedence: int = Field(
        100,
        ge=0,
        le=1000000,
        description=(
            "Which model's policy applies when several models grade a customer: the lowest "
            "number wins (default 100; ties go to the model name first in alphabetical order)"
        ),
    )
    hysteresis: Hysteresis | None = Field(
        None, description="Keep grades from flapping around a threshold; omit for none"
    )
    alerts: Alerts | None = Field(
        None, description="Alerts to salespeople on grade changes; omit for no alerts"
    )

    _source_file: str = PrivateAttr("")
    _model_version: str = PrivateAttr("")

    @classmethod
    def from_source(cls, data: Any, *, source_file: str, content: bytes) -> GradingModel:
        """Validate file data and remember where it came from, for lineage in the outputs."""
        model = cls.model_validate(data)
        model._source_file = source_file
        model._model_version = hashlib.sha256(content).hexdigest()[:16]
        return model

    @property
    def source_file(self) -> str:
        return self._source_file

    @property
    def model_version(self) -> str:
        """16 hex chars of sha256 of the file; models built in code hash their JSON instead."""
        if not self._model_version:
            self._model_version = hashlib.sha256(
                self.model_dump_json().encode("utf-8")
            ).hexdigest()[:16]
        return self._model_version


RootGroup.model_rebuild()
GroupPart.model_rebuild()
GradingModel.model_rebuild()
