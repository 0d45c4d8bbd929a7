"""Validating grading-model files and explaining every problem in the author's own terms.

Grading models are edited by hand, and a mistake in one silently regrades customers, so the
validator is the product's safety net: it reports every problem of every file at once, points at
the exact YAML path (and line), says what is wrong and how to fix it. Nothing compiles while any
file has an error.

Validation runs in two stages per file: the structure (keys, types, ranges) through the pydantic
models of `schema.py`, then, once the structure is sound, the rules that relate fields to each
other (weights, band coverage, grade order, reachability, metric names).
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ValidationError

from .catalogue import DEFAULT_CATALOGUE_PATH, PROJECT_ROOT, Metric, load_catalogue
from .schema import (
    EMAIL_PATTERN,
    EXTRA_KEY_PATTERN,
    GRADE_NAME_PATTERN,
    MAX_DEPTH,
    METHODS,
    NAME_PATTERN,
    PART_TAGS,
    ROOT_NODE_NAME,
    WEIGHT_TOLERANCE,
    Alerts,
    Band,
    BandsDimension,
    Grade,
    GradingModel,
    GroupPart,
    Hysteresis,
    KeyAccountInactivity,
    LinearDimension,
    LinearRule,
    PercentileDimension,
    Policy,
    RankBand,
    RankBandsDimension,
    RootGroup,
    Scope,
    SustainedDecline,
    part_kind,
)
from .tree import Loc, Node, contributions, fmt_number, rule_range, score_range, walk

logger = logging.getLogger(__name__)

Severity = Literal["error", "warning"]
MODEL_FILE_SUFFIXES = (".yml", ".yaml")
# Float tolerance when comparing computed score bounds with thresholds.
_EPS = 1e-9


@dataclass(frozen=True)
class Finding:
    """One problem in one file. `field` is the YAML path ('' when it concerns the whole file)."""

    file: str
    field: str
    message: str
    severity: Severity = "error"
    line: int | None = None

    def __str__(self) -> str:
        if self.field:
            return f"{self.file}: {self.field}: {self.message}"
        return f"{self.file}: {self.message}"


@dataclass
class ValidationReport:
    """Everything found in one validation run, plus the models that came through clean."""

    findings: list[Finding] = field(default_factory=list)
    models: list[GradingModel] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def format(self) -> str:
        """One line per finding, then a summary line, for terminals and CI logs."""
        lines = [f"{f.severity}: {f}" for f in self.findings]
        errors, warnings = len(self.errors), len(self.warnings)
        summary = (
            f"{len(self.files)} file{_s(len(self.files))} checked: "
            f"{len(self.models)} model{_s(len(self.models))} valid, "
            f"{errors} error{_s(errors)}, {warnings} warning{_s(warnings)}"
        )
        lines.append(summary if errors else f"OK - {summary}")
        return "\n".join(lines)


class GradingModelError(Exception):
    """Raised when grading models do not validate; carries the full report for display."""

    def __init__(self, report: ValidationReport) -> None:
        super().__init__(report.format())
        self.report = report

    def __str__(self) -> str:
        return self.report.format()


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def display_path(path: Path) -> str:
    """Paths relative to the project root, so messages and lineage columns read the same
    whichever directory the validator was started from."""
    resolved = path.resolve()
    for base in (PROJECT_ROOT, Path.cwd().resolve()):
        try:
            return resolved.relative_to(base).as_posix()
        except ValueError:
            continue
    return str(path)


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------


def validate_paths(
    paths: Sequence[Path | str], catalogue_path: Path | None = None
) -> ValidationReport:
    """Validate model files; a directory stands for all its *.yml / *.yaml files, sorted."""
    report = ValidationReport()
    catalogue = _catalogue_or_finding(catalogue_path, report)
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p for p in path.iterdir() if p.is_file() and p.suffix in MODEL_FILE_SUFFIXES
            )
            if not found:
                report.findings.append(
                    Finding(
                        display_path(path),
                        "",
                        "no grading model files (*.yml, *.yaml) in this directory; add one or "
                        "point the validator at the directory that holds them",
                    )
                )
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            report.findings.append(
                Finding(
                    display_path(path),
                    "",
                    "file not found; check the path, or create the grading model file there",
                )
            )
    if not paths:
        report.findings.append(
            Finding(
                "(no paths)", "", "nothing to validate; pass model files or a directory of them"
            )
        )

    seen: set[Path] = set()
    names: dict[str, str] = {}
    for path in files:
        if path.resolve() in seen:
            continue
        seen.add(path.resolve())
        checker = _FileChecker(path, catalogue)
        model = checker.run(names)
        report.files.append(checker.file)
        # Top to bottom, as the author reads the file; pydantic and rule findings interleave.
        report.findings.extend(sorted(checker.findings, key=lambda f: f.line or 0))
        if model is not None and not checker.has_errors:
            report.models.append(model)
    return report


def load_models(models_dir: Path, catalogue_path: Path | None = None) -> list[GradingModel]:
    """The valid models of a directory, or GradingModelError if any file has an error.

    All-or-nothing on purpose: compiling only the good files would silently drop a model and
    leave its customers ungraded.
    """
    report = validate_paths([models_dir], catalogue_path)
    if not report.ok:
        raise GradingModelError(report)
    for warning in report.warnings:
        logger.warning("%s", warning)
    return report.models


def _catalogue_or_finding(
    catalogue_path: Path | None, report: ValidationReport
) -> Mapping[str, Metric] | None:
    path = Path(catalogue_path) if catalogue_path is not None else DEFAULT_CATALOGUE_PATH
    try:
        catalogue = load_catalogue(path)
    except (OSError, UnicodeDecodeError) as exc:
        report.findings.append(
            Finding(
                display_path(path),
                "",
                f"cannot read the metric catalogue ({exc.__class__.__name__}: {exc}); restore "
                "seeds/metric_catalogue.csv or pass the right catalogue path",
            )
        )
        return None
    if not catalogue:
        report.findings.append(
            Finding(
                display_path(path),
                "",
                "the metric catalogue lists no metrics; restore its rows (metric,unit,...)",
            )
        )
        return None
    return catalogue


# --------------------------------------------------------------------------------------------
# YAML loading
# --------------------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys.

    PyYAML keeps the last of two equal keys without a word, so a doubled `weight:` would change
    scores invisibly; here it is an error with both line numbers.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        first_line: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                if key in first_line:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"duplicate key {key!r} (first given at line {first_line[key]})",
                        key_node.start_mark,
                    )
                first_line[key] = key_node.start_mark.line + 1
            except TypeError:  # unhashable key: the base class reports it
                pass
        return super().construct_mapping(node, deep=deep)


def _line_index(node: yaml.Node | None) -> dict[Loc, int]:
    """Map each YAML path to the 1-based line where it is written, for editor-friendly output."""
    index: dict[Loc, int] = {}

    def visit(current: yaml.Node, loc: Loc) -> None:
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
                index.setdefault((*loc, key), key_node.start_mark.line + 1)
                visit(value_node, (*loc, key))
        elif isinstance(current, yaml.SequenceNode):
            for position, item in enumerate(current.value):
                index.setdefault((*loc, position), item.start_mark.line + 1)
                visit(item, (*loc, position))

    if node is not None:
        index[()] = node.start_mark.line + 1
        visit(node, ())
    return index


# --------------------------------------------------------------------------------------------
# Per-file checks
# --------------------------------------------------------------------------------------------


class _FileChecker:
    """Checks one file and collects its findings; one instance per file keeps state simple."""

    def __init__(self, path: Path, catalogue: Mapping[str, Metric] | None) -> None:
        self.path = path
        self.file = display_path(path)
        self.catalogue = catalogue
        self.findings: list[Finding] = []
        self.lines: dict[Loc, int] = {}

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

    def add(self, loc: Loc, message: str, severity: Severity = "error") -> None:
        line = None
        for end in range(len(loc), -1, -1):
            if loc[:end] in self.lines:
                line = self.lines[loc[:end]]
                break
        self.findings.append(Finding(self.file, format_loc(loc), message, severity, line))

    def run(self, names: dict[str, str]) -> GradingModel | None:
        """Validate the file; `names` maps model names already seen to their files."""
        content, data = self._load()
        if content is None:
            return None
        if not isinstance(data, dict):
            return None
        name = data.get("name")
        if isinstance(name, str):
            if name in names:
                self.add(
                    ("name",),
                    f"model name {name!r} is already used by {names[name]}; model names must be "
                    "unique across all files, so rename this model",
                )
            else:
                names[name] = self.file
        try:
            model = GradingModel.from_source(data, source_file=self.file, content=content)
        except ValidationError as exc:
            self._structure_findings(exc, data)
            return None
        _ModelRules(self, model).check()
        return model

    def _load(self) -> tuple[bytes | None, Any]:
        try:
            content = self.path.read_bytes()
        except OSError as exc:
            self.add((), f"cannot read the file ({exc.strerror}); check its permissions")
            return None, None
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.add(
                (),
                f"the file is not valid UTF-8 (byte {exc.start}); save it with UTF-8 encoding",
            )
            return None, None
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        except yaml.MarkedYAMLError as exc:
            self._yaml_error(exc)
            return None, None
        except yaml.YAMLError as exc:  # errors without a position
            self.add((), f"YAML error: {exc}; fix the YAML syntax")
            return None, None
        finally:
            loader.dispose()
        self.lines = _line_index(node)
        if data is None:
            self.add(
                (),
                "the file is empty; write a grading model (name, score, grades) or delete the file",
            )
            return None, None
        if not isinstance(data, dict):
            self.add(
                (),
                f"the top level is {_kind(data)}, not a mapping; a model file is a mapping with "
                "the keys name, description, scope, score and grades",
            )
            return None, None
        return content, data

    def _yaml_error(self, exc: yaml.MarkedYAMLError) -> None:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        where = f" at line {line}, column {mark.column + 1}" if mark is not None else ""
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        if problem.startswith("duplicate key"):
            message = (
                f"{problem}{where}; remove one of them: YAML would silently keep only the last"
            )
        else:
            message = (
                f"YAML syntax error{where}: {problem}{context}; fix the YAML there (check the "
                "indentation, a missing ':' or space after it, or an unclosed quote or bracket)"
            )
        self.findings.append(Finding(self.file, "", message, "error", line))

    def _structure_findings(self, exc: ValidationError, data: dict[str, Any]) -> None:
        seen: set[tuple[str, str]] = set()
        for error in exc.errors(include_url=False):
            loc, message = _explain(error, data)
            key = (format_loc(loc), message)
            if key not in seen:
                seen.add(key)
                self.add(loc, message)


class _ModelRules:
    """The rules that relate fields to each other, run on a structurally valid model."""

    def __init__(self, checker: _FileChecker, model: GradingModel) -> None:
        self.checker = checker
        self.model = model

    def add(self, loc: Loc, message: str, severity: Severity = "error") -> None:
        self.checker.add(loc, message, severity)

    def check(self) -> None:
        before = len(self.checker.findings)
        self._check_tree()
        tree_ok = not _has_error(self.checker.findings[before:])
        before = len(self.checker.findings)
        self._check_grades()
        grades_ok = not _has_error(self.checker.findings[before:])
        self._check_scope()
        self._check_hysteresis()
        self._check_alerts()
        if tree_ok and grades_ok:
            self._check_reachability()

    # -- scoring tree ------------------------------------------------------------------------

    def _check_tree(self) -> None:
        first_seen: dict[str, Loc] = {}
        for node in walk(self.model.score):
            if node.depth > MAX_DEPTH:
                if node.parent is not None and node.parent.depth == MAX_DEPTH:
                    self.add(
                        node.loc,
                        f"part {node.label!r} is nested {node.depth} levels below score; at most "
                        f"{MAX_DEPTH} levels are allowed, so flatten the tree (merge this part "
                        "into its parent group or move it up a level)",
                    )
                continue
            if node.names:
                self._check_name(node, first_seen)
            if node.is_group:
                self._check_group(node)
            else:
                self._check_dimension(node)

    def _check_name(self, node: Node, first_seen: dict[str, Loc]) -> None:
        name = node.label
        if name == ROOT_NODE_NAME:
            self.add(
                (*node.loc, "name"),
                f"part name {ROOT_NODE_NAME!r} is reserved for the composite score in the "
                "compiled tables; choose another name",
            )
        elif name in first_seen:
            self.add(
                (*node.loc, "name"),
                f"part name {name!r} is already used at {format_loc(first_seen[name])}; part "
                "names must be unique within a model, so rename one of them",
            )
        else:
            first_seen[name] = node.loc

    def _check_group(self, node: Node) -> None:
        group = node.part
        assert isinstance(group, RootGroup | GroupPart)
        where = format_loc(node.loc)
        if group.combine == "weighted":
            if group.cap is not None:
                self.add(
                    (*node.loc, "cap"),
                    "cap only applies to combine: sum (a weighted group is bounded by its "
                    "parts); remove cap, or change combine to sum",
                )
            missing = False
            for index, part in enumerate(group.parts):
                if part.weight is None:
                    missing = True
                    self.add(
                        (*node.loc, "parts", index, "weight"),
                        f"part {part.name!r} has no weight, but {where} combines its parts "
                        "weighted; add weight: <share> so that the weights of the group add "
                        "up to 1",
                    )
            if not missing:
                total = sum(part.weight or 0.0 for part in group.parts)
                if abs(total - 1.0) > WEIGHT_TOLERANCE:
                    terms = " + ".join(
                        f"{part.name} {fmt_number(part.weight or 0.0)}" for part in group.parts
                    )
                    self.add(
                        node.loc,
                        f"the weights of the parts of {where} ({_group_label(node)}) add up to "
                        f"{fmt_number(total)}, not 1 ({terms}); change them so they add up to 1",
                    )
        else:
            for index, part in enumerate(group.parts):
                if part.weight is not None:
                    self.add(
                        (*node.loc, "parts", index, "weight"),
                        f"part {part.name!r} has a weight, but {where} adds its parts up "
                        "(combine: sum) and would ignore it; remove the weight, or change the "
                        "group's combine to weighted",
                    )

    def _check_dimension(self, node: Node) -> None:
        part = node.part
        assert isinstance(
            part, LinearDimension | BandsDimension | RankBandsDimension | PercentileDimension
        )
        self._check_metric(node)
        if isinstance(part, LinearDimension):
            if part.linear.cap < part.linear.floor:
                self.add(
                    (*node.loc, "linear", "cap"),
                    f"cap {fmt_number(part.linear.cap)} is below floor "
                    f"{fmt_number(part.linear.floor)}, so the score range is empty; raise cap to "
                    "at least floor, or lower floor",
                )
                return
        elif isinstance(part, BandsDimension):
            if not self._check_bands(node, part):
                return
        elif isinstance(part, RankBandsDimension) and not self._check_rank_bands(node, part):
            return
        _, rule_high = rule_range(part)
        if part.missing_score > rule_high + _EPS:
            self.add(
                (*node.loc, "missing_score"),
                f"missing_score {fmt_number(part.missing_score)} is above the highest score "
                f"{fmt_number(rule_high)} that {part.method} gives, so customers without "
                f"{part.metric} outscore everyone who has it; lower missing_score to at most "
                f"{fmt_number(rule_high)} unless that is intended",
                "warning",
            )

    def _check_metric(self, node: Node) -> None:
        part = node.part
        assert not isinstance(part, RootGroup | GroupPart)
        if self.checker.catalogue is None:
            return
        metric = self.checker.catalogue.get(part.metric)
        if metric is None:
            close = difflib.get_close_matches(part.metric, list(self.checker.catalogue), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            self.add(
                (*node.loc, "metric"),
                f"unknown metric {part.metric!r}; {hint}use a metric listed in "
                "seeds/metric_catalogue.csv",
            )
            return
        ranked = isinstance(part, RankBandsDimension | PercentileDimension)
        if not ranked and part.higher_is_better is not None:
            self.add(
                (*node.loc, "higher_is_better"),
                f"higher_is_better has no effect with method {part.method} (the "
                f"{'slope sets' if part.method == 'linear' else 'band scores set'} the direction); "
                "remove it",
                "warning",
            )
        if ranked:
            effective = part.higher_is_better if part.higher_is_better is not None else True
            if effective != metric.higher_is_better:
                better = "higher" if metric.higher_is_better else "lower"
                self.add(
                    (*node.loc, "higher_is_better"),
                    f"the ranking treats {'higher' if effective else 'lower'} {part.metric} as "
                    f"better, but the catalogue says {better} is better; set higher_is_better: "
                    f"{str(metric.higher_is_better).lower()} unless the reversal is intended",
                    "warning",
                )

    def _check_bands(self, node: Node, part: BandsDimension) -> bool:
        """Each band must be a non-empty interval and together they must cover every value
        exactly once, or some customers would get no score or two."""
        base = (*node.loc, "bands")
        sound = True
        for index, band in enumerate(part.bands):
            loc = (*base, index)
            if band.gt is not None and band.gte is not None:
                sound = False
                self.add(
                    (*loc, "gte"),
                    "band has both gt and gte; keep one lower bound (gt = exclusive, "
                    "gte = inclusive)",
                )
            if band.lt is not None and band.lte is not None:
                sound = False
                self.add(
                    (*loc, "lte"),
                    "band has both lt and lte; keep one upper bound (lt = exclusive, "
                    "lte = inclusive)",
                )
            if not sound:
                continue
            low, high = band.lower, band.upper
            if low is not None and high is not None:
                point = low == high and band.lower_inclusive and band.upper_inclusive
                if low > high or (low == high and not point):
                    sound = False
                    self.add(
                        loc,
                        f"band {_band_text(band)} contains no value: its lower bound "
                        f"{fmt_number(low)} is not below its upper bound {fmt_number(high)}; "
                        "swap or correct the bounds",
                    )
        if not sound:
            return False

        order = sorted(
            range(len(part.bands)),
            key=lambda i: (
                float("-inf") if part.bands[i].lower is None else part.bands[i].lower,
                0 if part.bands[i].lower_inclusive else 1,
            ),
        )
        lowest = part.bands[order[0]]
        if lowest.lower is not None:
            sound = False
            below = "below" if lowest.lower_inclusive else "up to and including"
            self.add(
                (*base, order[0]),
                f"no band covers values {below} {fmt_number(lowest.lower)}: the lowest band "
                f"{_band_text(lowest)} has a lower bound; drop that bound, or add a band "
                f"{{{'lt' if lowest.lower_inclusive else 'lte'}: {fmt_number(lowest.lower)}, "
                "score: ...}",
            )
        reach = order[0]  # the band reaching highest so far
        for index in order[1:]:
            prev, band = part.bands[reach], part.bands[index]
            loc = (*base, index)
            where = f"bands[{reach}] {_band_text(prev)} and bands[{index}] {_band_text(band)}"
            if prev.upper is None or band.lower is None or prev.upper > band.lower:
                sound = False
                self.add(
                    loc,
                    f"{where} overlap, so some values would get two scores; make each band "
                    "start where the previous one ends",
                )
            elif prev.upper < band.lower:
                sound = False
                self.add(
                    loc,
                    f"values between {fmt_number(prev.upper)} and {fmt_number(band.lower)} are "
                    f"not covered by any band ({where}); make bands[{index}] start where "
                    f"bands[{reach}] ends",
                )
            elif prev.upper_inclusive and band.lower_inclusive:
                sound = False
                self.add(
                    loc,
                    f"value {fmt_number(band.lower)} falls in both {where}; make one of the "
                    f"bounds exclusive (lt instead of lte, or gt instead of gte)",
                )
            elif not prev.upper_inclusive and not band.lower_inclusive:
                sound = False
                self.add(
                    loc,
                    f"value {fmt_number(band.lower)} is not covered by any band ({where} both "
                    f"exclude it); make one of the bounds inclusive (lte or gte)",
                )
            if prev.upper is not None and (
                band.upper is None
                or band.upper > prev.upper
                or (band.upper == prev.upper and band.upper_inclusive)
            ):
                reach = index
        highest = part.bands[reach]
        if highest.upper is not None:
            sound = False
            above = "above" if highest.upper_inclusive else "from"
            self.add(
                (*base, reach),
                f"no band covers values {above} {fmt_number(highest.upper)}: the highest band "
                f"{_band_text(highest)} has an upper bound; drop that bound, or add a band "
                f"{{{'gt' if highest.upper_inclusive else 'gte'}: {fmt_number(highest.upper)}, "
                "score: ...}",
            )
        return sound

    def _check_rank_bands(self, node: Node, part: RankBandsDimension) -> bool:
        base = (*node.loc, "rank_bands")
        sound = True
        for index in range(1, len(part.rank_bands)):
            prev, band = part.rank_bands[index - 1], part.rank_bands[index]
            if band.top <= prev.top:
                sound = False
                self.add(
                    (*base, index, "top"),
                    f"top {fmt_number(band.top)} is not above the previous band's top "
                    f"{fmt_number(prev.top)}; list rank bands best first with strictly "
                    "increasing tops (e.g. 0.1, 0.2, ..., 1.0)",
                )
        last = part.rank_bands[-1]
        if last.top != 1.0:
            sound = False
            rest = fmt_number(100 * (1 - last.top))
            self.add(
                (*base, len(part.rank_bands) - 1, "top"),
                f"the last rank band ends at top {fmt_number(last.top)}, so the bottom {rest}% "
                "would get no score; end with a band {top: 1.0, score: ...}",
            )
        return sound

    # -- grades --------------------------------------------------------------------------------

    def _check_grades(self) -> None:
        grades = self.model.grades
        first_seen: dict[str, int] = {}
        for index, grade in enumerate(grades):
            loc = ("grades", index)
            if grade.name in first_seen:
                self.add(
                    (*loc, "name"),
                    f"grade name {grade.name!r} is already used by grades[{first_seen[grade.name]}]"
                    "; grade names must be unique, so rename one of them",
                )
            else:
                first_seen[grade.name] = index
            last = index == len(grades) - 1
            if grade.min_score is not None and grade.top_share is not None:
                self.add(
                    loc,
                    f"grade {grade.name!r} has both min_score and top_share; keep one threshold",
                )
            elif last:
                for key in ("min_score", "top_share"):
                    if getattr(grade, key) is not None:
                        self.add(
                            (*loc, key),
                            f"the last grade {grade.name!r} is the catch-all for everyone below "
                            f"the other grades and cannot have {key}; remove {key}, or add a "
                            "catch-all grade after it",
                        )
            elif grade.min_score is None and grade.top_share is None:
                self.add(
                    loc,
                    f"grade {grade.name!r} has no threshold; only the last grade may be a "
                    "catch-all, so give it min_score (or top_share) or move it to the end",
                )
        self._check_order("min_score", decreasing=True)
        self._check_order("top_share", decreasing=False)

    def _check_order(self, key: str, *, decreasing: bool) -> None:
        """Grades are listed best first, so thresholds must get strictly easier down the list;
        otherwise a later grade could never be assigned."""
        previous: tuple[int, Grade] | None = None
        for index, grade in enumerate(self.model.grades):
            value = getattr(grade, key)
            if value is None:
                continue
            if previous is not None:
                prev_index, prev = previous
                prev_value = getattr(prev, key)
                wrong = value >= prev_value if decreasing else value <= prev_value
                if wrong:
                    direction = "below" if decreasing else "above"
                    change = "decrease" if decreasing else "increase"
                    self.add(
                        ("grades", index, key),
                        f"{key} {fmt_number(value)} of grade {grade.name!r} is not {direction} "
                        f"{key} {fmt_number(prev_value)} of the better grade {prev.name!r} "
                        f"(grades[{prev_index}]); grades are listed best first, so {key} must "
                        f"strictly {change} down the list",
                    )
            previous = (index, grade)

    def _check_reachability(self) -> None:
        """A grade no customer can reach usually means a threshold or weight is wrong, so it is
        an error unless the file says the thresholds are kept on purpose."""
        grades = self.model.grades
        low, high = score_range(self.model.score)
        allowed = self.model.allow_unreachable_grades
        severity: Severity = "warning" if allowed else "error"
        breakdown = _breakdown(self.model.score)
        found = False
        for index, grade in enumerate(grades[:-1]):
            if grade.min_score is not None and grade.min_score > high + _EPS:
                found = True
                fix = (
                    "kept because allow_unreachable_grades: true; to make it reachable lower "
                    f"min_score to at most {fmt_number(high)} or raise weights/caps"
                    if allowed
                    else f"lower min_score to at most {fmt_number(high)}, raise weights/caps, or "
                    "set allow_unreachable_grades: true to keep the published thresholds"
                )
                self.add(
                    ("grades", index, "min_score"),
                    f"grade {grade.name!r} (min_score {fmt_number(grade.min_score)}) is "
                    f"unreachable: the highest score this model can produce is "
                    f"{fmt_number(high)}{breakdown}; {fix}",
                    severity,
                )
        for index, grade in enumerate(grades[:-1]):
            if grade.min_score is not None and grade.min_score <= low + _EPS:
                for later_index in range(index + 1, len(grades)):
                    found = True
                    later = grades[later_index]
                    fix = (
                        "kept because allow_unreachable_grades: true; to make it reachable "
                        if allowed
                        else ""
                    )
                    fix += (
                        f"raise min_score of {grade.name!r} above {fmt_number(low)} or remove "
                        f"grade {later.name!r}"
                    )
                    self.add(
                        ("grades", later_index),
                        f"grade {later.name!r} is unreachable: every customer scores at least "
                        f"{fmt_number(low)} (the lowest score this model can produce), which "
                        f"already earns grade {grade.name!r} (min_score "
                        f"{fmt_number(grade.min_score)}); {fix}",
                        severity,
                    )
                break
        if allowed and not found:
            self.add(
                ("allow_unreachable_grades",),
                "every grade is reachable, so allow_unreachable_grades: true only hides future "
                "mistakes; remove it",
                "warning",
            )

    # -- hysteresis and alerts -----------------------------------------------------------------

    def _check_hysteresis(self) -> None:
        hysteresis = self.model.hysteresis
        if (
            hysteresis is not None
            and hysteresis.margin_points == 0
            and hysteresis.confirm_snapshots == 1
        ):
            self.add(
                ("hysteresis",),
                "hysteresis with margin_points 0 and confirm_snapshots 1 changes nothing; "
                "set margin_points (e.g. 2) or confirm_snapshots (e.g. 3), or remove it",
                "warning",
            )

    def _check_alerts(self) -> None:
        alerts = self.model.alerts
        if alerts is None:
            return
        decline = alerts.sustained_decline
        if decline is not None:
            loc = ("alerts", "sustained_decline")
            if (decline.drop_pct is None) != (decline.within_days is None):
                given, missing = (
                    ("drop_pct", "within_days")
                    if decline.within_days is None
                    else ("within_days", "drop_pct")
                )
                self.add(
                    (*loc, given),
                    f"{given} needs {missing}: the rule is 'the score fell by drop_pct percent "
                    f"within within_days days'; add {missing} (e.g. drop_pct: 20, within_days: 7) "
                    f"or remove {given}",
                )
            elif decline.consecutive_snapshots is None and decline.drop_pct is None:
                self.add(
                    loc,
                    "sustained_decline sets no rule; give consecutive_snapshots (e.g. 3), or "
                    "drop_pct with within_days (e.g. 20 and 7), or both; or remove it",
                )
        inactivity = alerts.key_account_inactivity
        if inactivity is not None:
            defined = [grade.name for grade in self.model.grades]
            first: dict[str, int] = {}
            for index, name in enumerate(inactivity.grades):
                loc = ("alerts", "key_account_inactivity", "grades", index)
                if name in first:
                    self.add(
                        loc,
                        f"grade {name!r} is listed twice (also at index {first[name]}); remove "
                        "the duplicate",
                    )
                    continue
                first[name] = index
                if name not in defined:
                    close = difflib.get_close_matches(name, defined, n=1)
                    hint = f"did you mean {close[0]!r}? " if close else ""
                    self.add(
                        loc,
                        f"grade {name!r} is not a grade of this model; {hint}use one of "
                        f"{', '.join(defined)}",
                    )
        if not (alerts.downgrade or alerts.upgrade or decline or inactivity):
            self.add(
                ("alerts",),
                "every alert rule is off, so this model never alerts; enable downgrade, upgrade, "
                "sustained_decline or key_account_inactivity, or remove alerts",
                "warning",
            )

    # -- scope ---------------------------------------------------------------------------------

    def _check_scope(self) -> None:
        if self.model.scope is None:
            return
        for key, values in self.model.scope.items():
            first: dict[str, int] = {}
            for index, value in enumerate(values):
                if value in first:
                    self.add(
                        ("scope", key, index),
                        f"{value!r} is listed twice in scope.{key} (also at index "
                        f"{first[value]}); remove the duplicate",
                    )
                else:
                    first[value] = index


def _has_error(findings: Iterable[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)


def _group_label(node: Node) -> str:
    assert isinstance(node.part, RootGroup | GroupPart)
    name = "the root score" if not node.names else f"group {node.label!r}"
    return f"{name}, combine: {node.part.combine}"


def _breakdown(score: RootGroup) -> str:
    """' (activity 30 + contribution 25 + value_ranking 17)': where the maximum comes from."""
    parts = contributions(score)
    if not parts:
        return ""
    text = " + ".join(f"{name} {fmt_number(value)}" for name, value in parts)
    if score.combine == "sum" and score.cap is not None:
        text += f", capped at {fmt_number(score.cap)}"
    return f" ({text})"


def _band_text(band: Band) -> str:
    bounds = [
        f"{key} {fmt_number(value)}"
        for key in ("gt", "gte", "lt", "lte")
        if (value := getattr(band, key)) is not None
    ]
    return "{" + ", ".join(bounds or ["unbounded"]) + "}"


# --------------------------------------------------------------------------------------------
# Pydantic errors in the author's terms
# --------------------------------------------------------------------------------------------


def format_loc(loc: Loc) -> str:
    """('score', 'parts', 2, 'weight') -> 'score.parts[2].weight'."""
    out = ""
    for item in loc:
        if isinstance(item, int):
            out += f"[{item}]"
        else:
            out += f".{item}" if out else str(item)
    return out


_PATTERN_HINTS = {
    NAME_PATTERN: "a lowercase letter followed by up to 62 lowercase letters, digits or "
    "underscores, e.g. cumulative_amount",
    GRADE_NAME_PATTERN: "1 to 16 letters, digits, '_', '+' or '-', e.g. A or B+",
    EXTRA_KEY_PATTERN: "snake_case: a lowercase letter then lowercase letters, digits or "
    "underscores, e.g. service_level",
    r"\S": "a non-empty text",
    EMAIL_PATTERN: "an email address such as sales-ops@example.com",
}

# How to fix a value, by YAML key, for range and type errors.
_FIELD_HINTS = {
    "weight": "a share in (0, 1], e.g. 0.3; the weights of a group add up to 1",
    "top": "a share in (0, 1], e.g. 0.1 for the best 10%; the last rank band has top 1.0",
    "top_share": "a share strictly between 0 and 1, e.g. 0.2 for the best 20% of customers",
    "discount_pct": "a percentage from 0 to 100",
    "credit_limit": "an amount of 0 or more",
    "payment_terms_days": "a whole number of days, 0 or more",
    "service_response_hours": "a number of hours greater than 0",
    "follow_up_days": "a whole number of days, 1 or more",
    "grades": "at least two grades, the last one a catch-all without threshold",
    "parts": "at least one part",
    "bands": "at least one band",
    "rank_bands": "at least one rank band, the last with top 1.0",
    "region": "at least one value, or leave region out to include every region",
    "business_line": "at least one value, or leave business_line out to include every line",
    "industry": "at least one value, or leave industry out to include every industry",
    "margin_points": "0 or more score points, e.g. 2",
    "confirm_snapshots": "a whole number of snapshots from 1 to 30, e.g. 3",
    "consecutive_snapshots": "a whole number of snapshots from 2 to 30, e.g. 3",
    "drop_pct": "a percentage above 0 and at most 100, e.g. 20",
    "within_days": "a whole number of days from 1 to 366, e.g. 7",
    "days_without_purchase": "a whole number of days from 1 to 3650, e.g. 30",
    "policy_precedence": "a whole number from 0 to 1000000; the lowest wins, e.g. 10",
}


def _explain(error: Mapping[str, Any], data: dict[str, Any]) -> tuple[Loc, str]:
    """Turn one pydantic error into (YAML path, 'what is wrong; how to fix it')."""
    kind = error["type"]
    loc = _yaml_loc(error["loc"])
    value = error.get("input")
    ctx = error.get("ctx") or {}
    key = next((item for item in reversed(loc) if isinstance(item, str)), "")
    hint = _FIELD_HINTS.get(key)
    if loc[:1] == ("alerts",) and key == "grades":
        hint = "at least one grade of this model, e.g. [A]"
    got = f" (got {_show(value)})"

    if kind == "extra_forbidden":
        return loc, _unknown_key(loc, data)
    if kind == "missing":
        return loc, _missing_key(loc, data)
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return _bad_part(loc, value)
    if "extra" in loc[:-1] and len(loc) >= 2 and loc[-2] == "extra":
        if error["loc"][-1] == "[key]":
            return loc[:-1], (
                f"key {loc[-1]!r} in extra is not {_PATTERN_HINTS[EXTRA_KEY_PATTERN]}; rename it"
            )
        return loc, (
            f"extra values must be text, a number or true/false{got}; write a single scalar value"
        )
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return loc, f"must be a mapping of keys and values{got}; write it as key: value lines"
    if kind == "list_type":
        example = "[East]" if loc[:1] == ("scope",) else "a '- ...' item per line"
        return loc, f"must be a list{got}; write it as a YAML list, e.g. {example}"
    if kind in ("float_type", "float_parsing"):
        quoted = " without quotes" if isinstance(value, str) else ""
        return loc, f"must be a number{got}; write a plain number{quoted}"
    if kind == "finite_number":
        return loc, f"must be a finite number{got}; write a plain number"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return loc, f"must be a whole number{got}; write an integer such as 30"
    if kind in ("bool_type", "bool_parsing"):
        return loc, f"must be true or false{got}; write true or false without quotes"
    if kind == "string_type":
        return loc, f"must be text{got}; put the value in quotes if it looks like a number"
    if kind == "string_pattern_mismatch":
        rule = _PATTERN_HINTS.get(ctx.get("pattern", ""), f"match {ctx.get('pattern')}")
        return loc, f"{_show(value)} is not a valid {key or 'value'}: use {rule}"
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        options = [o.strip(" '") for o in expected.replace(" or ", ",").split(",") if o.strip()]
        close = difflib.get_close_matches(str(value), options, n=1)
        suggestion = f"did you mean {close[0]!r}? " if close else ""
        return loc, f"{_show(value)} is not allowed here; {suggestion}use {expected}"
    bounds = {
        "greater_than": ("greater than", "gt"),
        "greater_than_equal": ("at least", "ge"),
        "less_than": ("less than", "lt"),
        "less_than_equal": ("at most", "le"),
    }
    if kind in bounds:
        words, ctx_key = bounds[kind]
        limit = fmt_number(ctx[ctx_key]) if ctx_key in ctx else "?"
        fix = f"use {hint}" if hint else f"change it to a value {words} {limit}"
        return loc, f"must be {words} {limit}{got}; {fix}"
    if kind == "too_short":
        size = ctx.get("actual_length", 0)
        fix = f"give {hint}" if hint else f"add at least {ctx.get('min_length', 1)} item(s)"
        return loc, f"has {size} item{_s(size)} but needs at least {ctx.get('min_length')}; {fix}"
    return loc, f"{error['msg']}{got}; correct the value"


def _yaml_loc(loc: Sequence[Any]) -> Loc:
    """Drop the discriminator tags pydantic inserts after each `parts[i]`, and the markers it
    adds inside dicts, so the path matches what the author wrote."""
    out: list[str | int] = []
    items = list(loc)
    position = 0
    while position < len(items):
        item = items[position]
        out.append(item)
        if (
            isinstance(item, int)
            and len(out) >= 2
            and out[-2] == "parts"
            and position + 1 < len(items)
            and items[position + 1] in PART_TAGS
        ):
            position += 1  # skip the tag
        if len(out) >= 2 and out[-2] == "extra":
            break  # ('extra', key, 'str' | '[key]'): the key is the useful end
        position += 1
    return tuple(out)


def _node_at(loc: Loc, data: Any) -> Any:
    current = data
    for item in loc:
        try:
            current = current[item]
        except (KeyError, IndexError, TypeError):
            return None
    return current


def _class_at(loc: Loc, data: dict[str, Any]) -> type[BaseModel] | None:
    """Which schema class describes the mapping at `loc`, to list the keys it allows."""
    if not loc:
        return GradingModel
    last = loc[-1]
    before = loc[-2] if len(loc) >= 2 else None
    if loc == ("score",):
        return RootGroup
    if loc == ("scope",):
        return Scope
    if isinstance(last, int) and before == "parts":
        kinds = {
            "group": GroupPart,
            "linear": LinearDimension,
            "bands": BandsDimension,
            "rank_bands": RankBandsDimension,
            "percentile": PercentileDimension,
        }
        return kinds.get(part_kind(_node_at(loc, data)) or "")
    if isinstance(last, int) and before == "bands":
        return Band
    if isinstance(last, int) and before == "rank_bands":
        return RankBand
    if isinstance(last, int) and before == "grades":
        return Grade
    if last == "linear":
        return LinearRule
    if last == "policy":
        return Policy
    if loc == ("hysteresis",):
        return Hysteresis
    if loc == ("alerts",):
        return Alerts
    if loc == ("alerts", "sustained_decline"):
        return SustainedDecline
    if loc == ("alerts", "key_account_inactivity"):
        return KeyAccountInactivity
    return None


_DIMENSION_KEYS = {"metric", "method", "linear", "bands", "rank_bands", "missing_score"}
_GROUP_KEYS = {"combine", "parts"}


def _unknown_key(loc: Loc, data: dict[str, Any]) -> str:
    key = loc[-1]
    cls = _class_at(loc[:-1], data)
    allowed = list(cls.model_fields) if cls is not None else []
    if cls is GroupPart and key in _DIMENSION_KEYS | {"higher_is_better"}:
        return (
            f"{key!r} is not allowed on a group part (it has combine/parts): a part is either a "
            "group (combine + parts) or a dimension (metric + method); remove "
            f"{key!r} or move it into a dimension part"
        )
    if cls is RootGroup and key in _DIMENSION_KEYS | {"name", "weight"}:
        return (
            f"{key!r} is not allowed on the root score group, which only has combine, cap and "
            f"parts; remove {key!r} or move it into one of the parts"
        )
    method = _node_at(loc[:-1], data)
    method = method.get("method") if isinstance(method, dict) else None
    if key in METHODS and method in METHODS:
        return (
            f"{key!r} belongs to method: {key}, but this part has method: {method}; remove "
            f"{key!r} or change method to {key}"
        )
    if method == "linear" and key in LinearRule.model_fields:
        return f"{key!r} of a linear part belongs inside its linear block; move it under linear:"
    close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
    if close:
        return f"unknown key {key!r}; did you mean {close[0]!r}?"
    listed = ", ".join(allowed) if allowed else "see the schema"
    return f"unknown key {key!r}; remove it (allowed keys here: {listed})"


def _missing_key(loc: Loc, data: dict[str, Any]) -> str:
    key = loc[-1]
    cls = _class_at(loc[:-1], data)
    info = cls.model_fields.get(str(key)) if cls is not None else None
    described = ""
    if info is not None and info.description:
        described = f" ({info.description[0].lower()}{info.description[1:]})"
    return f"missing required key {key!r}{described}; add it"


def _bad_part(loc: Loc, value: Any) -> tuple[Loc, str]:
    if not isinstance(value, dict):
        return loc, (
            f"a part must be a mapping{' (got ' + _show(value) + ')'}; write it as name/metric/"
            "method keys (a dimension) or name/combine/parts keys (a group)"
        )
    method = value.get("method")
    options = ", ".join(METHODS)
    if method is None and "metric" in value:
        return (*loc, "method"), f"missing required key 'method'; add method: one of {options}"
    if method is not None:
        close = difflib.get_close_matches(str(method), METHODS, n=1)
        suggestion = f"did you mean {close[0]!r}? " if close else ""
        return (*loc, "method"), f"unknown method {_show(method)}; {suggestion}use one of {options}"
    return loc, (
        "this part is neither a dimension nor a group; give it metric + method to score a "
        "metric, or combine + parts to combine other parts"
    )


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, int | float):
        return fmt_number(value) if value == value and abs(value) != float("inf") else str(value)
    return _kind(value)


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a text"
    if isinstance(value, bool):
        return "a true/false value"
    if isinstance(value, int | float):
        return "a number"
    return f"a {type(value).__name__}"
