"""Walking a model's scoring tree and the score range of each node.

Validation and compilation both walk the tree; sharing one walk guarantees that the node ids in
the compiled tables follow the same pre-order as the paths named in validation messages.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .schema import (
    BandsDimension,
    GroupPart,
    LinearDimension,
    PercentileDimension,
    RankBandsDimension,
    RootGroup,
)

Group = RootGroup | GroupPart
Dimension = LinearDimension | BandsDimension | RankBandsDimension | PercentileDimension
Loc = tuple[str | int, ...]

# Scores are sums of float products (0.3 * 100 is 30.000000000000004); rounding keeps the
# published model's maximum at exactly 72 and keeps messages free of float noise.
_DIGITS = 9


@dataclass(frozen=True)
class Node:
    """A node of the scoring tree together with where it sits."""

    part: Group | Dimension
    loc: Loc  # path in the YAML, e.g. ("score", "parts", 0)
    depth: int  # root 0
    names: tuple[str, ...]  # part names below the root; () for the root
    parent: Node | None
    weight: float | None  # within the parent: 1.0 under a sum group and for the root
    effective_weight: float | None  # product of weights from the root down

    @property
    def is_group(self) -> bool:
        return isinstance(self.part, RootGroup | GroupPart)

    @property
    def label(self) -> str:
        """How messages name the node: its YAML name, or 'score' for the root."""
        return self.names[-1] if self.names else "score"


def walk(score: RootGroup) -> Iterator[Node]:
    """Yield every node depth-first in pre-order, the root first."""
    root = Node(score, ("score",), 0, (), None, 1.0, 1.0)
    yield from _walk(root)


def _walk(node: Node) -> Iterator[Node]:
    yield node
    if not isinstance(node.part, RootGroup | GroupPart):
        return
    weighted = node.part.combine == "weighted"
    for index, part in enumerate(node.part.parts):
        weight = part.weight if weighted else 1.0
        effective = (
            round(node.effective_weight * weight, 12)
            if weight is not None and node.effective_weight is not None
            else None
        )
        child = Node(
            part=part,
            loc=(*node.loc, "parts", index),
            depth=node.depth + 1,
            names=(*node.names, part.name),
            parent=node,
            weight=weight,
            effective_weight=effective,
        )
        yield from _walk(child)


def rule_range(part: Dimension) -> tuple[float, float]:
    """Lowest and highest score the part's method can give to a customer with a value."""
    if isinstance(part, LinearDimension):
        return part.linear.floor, part.linear.cap
    if isinstance(part, BandsDimension):
        scores = [band.score for band in part.bands]
        return min(scores), max(scores)
    if isinstance(part, RankBandsDimension):
        scores = [band.score for band in part.rank_bands]
        return min(scores), max(scores)
    return 0.0, 100.0


def score_range(part: Group | Dimension) -> tuple[float, float]:
    """Lowest and highest score a node can produce over all possible customers.

    A dimension's range includes missing_score, since a customer without the metric gets it.
    Linear parts assume the metric is unbounded, so their range is exactly [floor, cap].
    """
    if isinstance(part, RootGroup | GroupPart):
        ranges = [score_range(child) for child in part.parts]
        if part.combine == "weighted":
            weights = [child.weight or 0.0 for child in part.parts]
            low = sum(w * lo for w, (lo, _) in zip(weights, ranges, strict=True))
            high = sum(w * hi for w, (_, hi) in zip(weights, ranges, strict=True))
        else:
            low = sum(lo for lo, _ in ranges)
            high = sum(hi for _, hi in ranges)
            if part.cap is not None:
                low, high = min(low, part.cap), min(high, part.cap)
        return round(low, _DIGITS), round(high, _DIGITS)
    low, high = rule_range(part)
    return (
        round(min(low, part.missing_score), _DIGITS),
        round(max(high, part.missing_score), _DIGITS),
    )


def contributions(score: RootGroup) -> list[tuple[str, float]]:
    """Each top-level part's share of the maximum composite score, for explaining that maximum."""
    out = []
    for child in score.parts:
        high = score_range(child)[1]
        if score.combine == "weighted":
            high *= child.weight or 0.0
        out.append((child.name, round(high, _DIGITS)))
    return out


def fmt_number(value: float) -> str:
    """Render numbers the way an author writes them in YAML: 72, not 72.0 or 72.00000000001."""
    rounded = round(float(value), 6)
    if rounded == int(rounded):
        return str(int(rounded))
    return f"{rounded:.6f}".rstrip("0").rstrip(".")
