"""Tests of grading-model validation, compilation and the JSON Schema.

Each error class gets a small model written to tmp_path with exactly one thing wrong, and the test
checks the file, the YAML path and a key phrase of the message, because those three are what a
data engineer relies on to find and fix the problem.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import jsonschema
import pyarrow.parquet as pq
import pytest
import yaml

from dagster_project.grading_rules import (
    TABLE_SCHEMAS,
    Finding,
    GradingModelError,
    ValidationReport,
    compile_models,
    jsonschema_export,
    load_models,
    validate_paths,
    write_compiled,
)
from dagster_project.grading_rules.catalogue import PROJECT_ROOT

MODELS_DIR = PROJECT_ROOT / "grading_models"
SCHEMA_FILE = MODELS_DIR / "grading-model.schema.json"

POLICY = {
    "discount_pct": 5,
    "credit_limit": 1000,
    "payment_terms_days": 30,
    "service_response_hours": 24,
    "follow_up_days": 30,
}

BASE: dict[str, Any] = {
    "name": "test_model",
    "description": "a small valid model",
    "score": {
        "combine": "weighted",
        "parts": [
            {
                "name": "count",
                "weight": 0.5,
                "metric": "purchase_count_12m",
                "method": "linear",
                "linear": {"slope": 10, "cap": 100},
            },
            {
                "name": "value",
                "weight": 0.5,
                "metric": "purchase_value_12m",
                "method": "percentile",
            },
        ],
    },
    "grades": [
        {"name": "A", "min_score": 50, "policy": dict(POLICY)},
        {"name": "B", "policy": dict(POLICY)},
    ],
}


def model(**top: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data.update(top)
    return data


def write(tmp_path: Path, data: Any, name: str = "m.yml") -> Path:
    path = tmp_path / name
    text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def check(tmp_path: Path, data: Any, name: str = "m.yml") -> ValidationReport:
    return validate_paths([write(tmp_path, data, name)])


def error_at(report: ValidationReport, field: str, phrase: str, file: str = "m.yml") -> Finding:
    """The one error at `field`; its message must contain `phrase` and its file end with `file`."""
    matches = [f for f in report.errors if f.field == field]
    assert matches, f"no error at {field!r}; got:\n{report.format()}"
    finding = matches[0]
    assert finding.file.endswith(file)
    assert phrase in finding.message, finding.message
    assert not report.ok
    return finding


def bands_part(bands: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": "amount",
        "weight": 0.5,
        "metric": "cumulative_purchase_value",
        "method": "bands",
        "bands": bands,
    }


def with_part(part: dict[str, Any], index: int = 0) -> dict[str, Any]:
    data = model()
    data["score"]["parts"][index] = part
    return data


# ---------------------------------------------------------------------------------------------
# Shipped models
# ---------------------------------------------------------------------------------------------


def test_shipped_models_are_valid() -> None:
    report = validate_paths([MODELS_DIR])
    assert report.ok, report.format()
    assert [m.name for m in report.models] == [
        "default_abc",
        "east_region_rfm",
        "published_tech_sabcd",
    ]


def test_published_model_reports_s_and_a_as_unreachable_warnings() -> None:
    report = validate_paths([MODELS_DIR / "published_tech_sabcd.yml"])
    assert report.ok
    assert [(w.field, w.severity) for w in report.warnings] == [
        ("grades[0].min_score", "warning"),
        ("grades[1].min_score", "warning"),
    ]
    message = report.warnings[0].message
    assert "grade 'S' (min_score 90) is unreachable" in message
    assert "highest score this model can produce is 72" in message
    assert "(activity 30 + contribution 25 + value_ranking 17)" in message


def test_published_model_compiles_with_max_score_72() -> None:
    models = load_models(MODELS_DIR)
    tables = compile_models(models)
    rows = {r["grading_model"]: r for r in tables["grading_models"].to_pylist()}
    assert rows["published_tech_sabcd"]["max_score"] == 72.0
    assert rows["published_tech_sabcd"]["min_score"] == 0.0
    assert rows["published_tech_sabcd"]["allow_unreachable_grades"] is True
    assert rows["default_abc"]["max_score"] == 100.0
    assert rows["published_tech_sabcd"]["source_file"] == "grading_models/published_tech_sabcd.yml"


def test_model_version_is_sha256_prefix_of_file() -> None:
    path = MODELS_DIR / "default_abc.yml"
    (found,) = validate_paths([path]).models
    assert found.model_version == hashlib.sha256(path.read_bytes()).hexdigest()[:16]


# ---------------------------------------------------------------------------------------------
# Finding and report format
# ---------------------------------------------------------------------------------------------


def test_finding_str_and_report_format(tmp_path: Path) -> None:
    finding = Finding("grading_models/x.yml", "grades[0].min_score", "is wrong; fix it")
    assert str(finding) == "grading_models/x.yml: grades[0].min_score: is wrong; fix it"
    assert str(Finding("grading_models/x.yml", "", "empty; fill it")) == (
        "grading_models/x.yml: empty; fill it"
    )
    data = model()
    data["score"]["parts"][0]["weigth"] = data["score"]["parts"][0].pop("weight")
    report = check(tmp_path, data)
    lines = report.format().splitlines()
    assert lines[0].startswith("error: ") and "m.yml: score.parts[0].weigth: " in lines[0]
    assert lines[-1] == "1 file checked: 0 models valid, 1 error, 0 warnings"
    text = (tmp_path / "m.yml").read_text(encoding="utf-8").splitlines()
    assert "weigth:" in text[report.errors[0].line - 1]


# ---------------------------------------------------------------------------------------------
# Files and YAML
# ---------------------------------------------------------------------------------------------


def test_yaml_syntax_error_has_line_number(tmp_path: Path) -> None:
    report = check(tmp_path, "name: x\nscore:\n  combine: weighted\n   parts: [\n")
    finding = error_at(report, "", "YAML syntax error at line 4")
    assert finding.line == 4


def test_empty_file(tmp_path: Path) -> None:
    error_at(check(tmp_path, "# only a comment\n"), "", "the file is empty")


def test_top_level_not_a_mapping(tmp_path: Path) -> None:
    error_at(check(tmp_path, "- name: x\n"), "", "the top level is a list, not a mapping")


def test_file_not_found_and_empty_directory(tmp_path: Path) -> None:
    report = validate_paths([tmp_path / "missing.yml"])
    error_at(report, "", "file not found", file="missing.yml")
    empty = tmp_path / "empty"
    empty.mkdir()
    report = validate_paths([empty])
    error_at(report, "", "no grading model files", file="empty")


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    text = "name: a\nname: b\n"
    finding = error_at(check(tmp_path, text), "", "duplicate key 'name'")
    assert "first given at line 1" in finding.message and finding.line == 2


# ---------------------------------------------------------------------------------------------
# Structure: unknown keys, missing keys, types
# ---------------------------------------------------------------------------------------------


def test_unknown_key_suggests_closest(tmp_path: Path) -> None:
    data = model()
    data["score"]["parts"][0]["weigth"] = data["score"]["parts"][0].pop("weight")
    error_at(check(tmp_path, data), "score.parts[0].weigth", "did you mean 'weight'")


def test_unknown_top_level_key_lists_nothing_close(tmp_path: Path) -> None:
    report = check(tmp_path, model(colour="blue"))
    error_at(report, "colour", "unknown key 'colour'; remove it (allowed keys here: name")


def test_method_block_must_match_method(tmp_path: Path) -> None:
    data = model()
    data["score"]["parts"][0]["bands"] = [{"score": 1}]
    error_at(check(tmp_path, data), "score.parts[0].bands", "belongs to method: bands")


def test_group_part_must_not_have_metric(tmp_path: Path) -> None:
    data = model()
    data["score"]["parts"][1] = {
        "name": "grp",
        "weight": 0.5,
        "combine": "sum",
        "metric": "purchase_count_12m",
        "parts": [{"name": "x", "metric": "purchase_count_12m", "method": "percentile"}],
    }
    error_at(check(tmp_path, data), "score.parts[1].metric", "not allowed on a group part")


def test_missing_required_field(tmp_path: Path) -> None:
    data = model()
    del data["score"]["parts"][0]["linear"]["cap"]
    error_at(check(tmp_path, data), "score.parts[0].linear.cap", "missing required key 'cap'")


def test_missing_method(tmp_path: Path) -> None:
    data = model()
    del data["score"]["parts"][1]["method"]
    error_at(check(tmp_path, data), "score.parts[1].method", "missing required key 'method'")


def test_unknown_method_suggests_closest(tmp_path: Path) -> None:
    data = model()
    data["score"]["parts"][1]["method"] = "percentil"
    error_at(check(tmp_path, data), "score.parts[1].method", "did you mean 'percentile'")


def test_wrong_type(tmp_path: Path) -> None:
    data = model()
    data["score"]["parts"][1]["weight"] = "0.5"
    error_at(check(tmp_path, data), "score.parts[1].weight", "must be a number (got '0.5')")


def test_wrong_literal(tmp_path: Path) -> None:
    data = model()
    data["score"]["combine"] = "weigted"
    error_at(check(tmp_path, data), "score.combine", "did you mean 'weighted'")


def test_invalid_part_name(tmp_path: Path) -> None:
    data = model()
    data["score"]["parts"][0]["name"] = "Count Score"
    error_at(check(tmp_path, data), "score.parts[0].name", "is not a valid name")


# ---------------------------------------------------------------------------------------------
# Metrics, weights, depth, names
# ---------------------------------------------------------------------------------------------


def test_unknown_metric_suggests_closest(tmp_path: Path) -> None:
    data = model()
    data["score"]["parts"][0]["metric"] = "purchase_count_12"
    error_at(
        check(tmp_path, data),
        "score.parts[0].metric",
        "unknown metric 'purchase_count_12'; did you mean 'purchase_count_12m'",
    )


def test_weights_not_summing_to_one(tmp_path: Path) -> None:
    data = model()
    data["score"]["parts"][1]["weight"] = 0.4
    finding = error_at(check(tmp_path, data), "score", "add up to 0.9, not 1")
    assert "count 0.5 + value 0.4" in finding.message


def test_weights_not_summing_in_nested_group(tmp_path: Path) -> None:
    data = model()
    data["score"]["parts"][1] = {
        "name": "grp",
        "weight": 0.5,
        "combine": "weighted",
        "parts": [
            {"name": "x", "weight": 0.6, "metric": "purchase_count_12m", "method": "percentile"},
            {"name": "y", "weight": 0.6, "metric": "purchase_value_12m", "method": "percentile"},
        ],
    }
    finding = error_at(check(tmp_path, data), "score.parts[1]", "add up to 1.2")
    assert "group 'grp'" in finding.message


def test_weight_in_sum_group_and_missing_weight(tmp_path: Path) -> None:
    data = model()
    data["score"]["combine"] = "sum"
    report = check(tmp_path, data)
    error_at(report, "score.parts[0].weight", "remove the weight")
    data = model()
    del data["score"]["parts"][1]["weight"]
    error_at(check(tmp_path, data), "score.parts[1].weight", "has no weight")


def test_cap_on_weighted_group(tmp_path: Path) -> None:
    data = model()
    data["score"]["cap"] = 80
    error_at(check(tmp_path, data), "score.cap", "cap only applies to combine: sum")


def test_depth_beyond_four(tmp_path: Path) -> None:
    leaf: dict[str, Any] = {"name": "leaf", "metric": "purchase_count_12m", "method": "percentile"}
    for level in range(4, 0, -1):
        leaf = {"name": f"g{level}", "combine": "sum", "parts": [leaf]}
    data = model()
    data["score"]["parts"][1] = {**leaf, "weight": 0.5}
    deep = "score.parts[1].parts[0].parts[0].parts[0].parts[0]"
    error_at(check(tmp_path, data), deep, "nested 5 levels below score")


def test_duplicate_part_name(tmp_path: Path) -> None:
    data = model()
    data["score"]["parts"][1]["name"] = "count"
    error_at(check(tmp_path, data), "score.parts[1].name", "already used at score.parts[0]")


def test_duplicate_model_name_across_files(tmp_path: Path) -> None:
    write(tmp_path, model(), "a.yml")
    write(tmp_path, model(), "b.yml")
    report = validate_paths([tmp_path])
    finding = error_at(report, "name", "already used by", file="b.yml")
    assert finding.message.split("already used by ")[1].startswith(str(tmp_path / "a.yml"))
    assert [m.source_file for m in report.models] == [str(tmp_path / "a.yml")]


# ---------------------------------------------------------------------------------------------
# Bands, rank bands, linear
# ---------------------------------------------------------------------------------------------


def test_bands_overlap(tmp_path: Path) -> None:
    data = with_part(
        bands_part(
            [{"lt": 100, "score": 1}, {"gte": 50, "lt": 200, "score": 2}, {"gte": 200, "score": 3}]
        )
    )
    error_at(check(tmp_path, data), "score.parts[0].bands[1]", "overlap")


def test_bands_shared_inclusive_bound_overlaps(tmp_path: Path) -> None:
    data = with_part(bands_part([{"lte": 100, "score": 1}, {"gte": 100, "score": 2}]))
    error_at(check(tmp_path, data), "score.parts[0].bands[1]", "value 100 falls in both")


def test_bands_gap_at_a_point(tmp_path: Path) -> None:
    data = with_part(bands_part([{"lt": 10000, "score": 1}, {"gt": 10000, "score": 2}]))
    error_at(
        check(tmp_path, data), "score.parts[0].bands[1]", "value 10000 is not covered by any band"
    )


def test_bands_gap_between_values(tmp_path: Path) -> None:
    data = with_part(bands_part([{"lt": 10, "score": 1}, {"gte": 20, "score": 2}]))
    error_at(check(tmp_path, data), "score.parts[0].bands[1]", "values between 10 and 20")


def test_first_band_bounded_below(tmp_path: Path) -> None:
    data = with_part(bands_part([{"gte": 0, "lt": 10, "score": 1}, {"gte": 10, "score": 2}]))
    error_at(check(tmp_path, data), "score.parts[0].bands[0]", "no band covers values below 0")


def test_last_band_bounded_above(tmp_path: Path) -> None:
    data = with_part(bands_part([{"lt": 10, "score": 1}, {"gte": 10, "lte": 99, "score": 2}]))
    error_at(check(tmp_path, data), "score.parts[0].bands[1]", "no band covers values above 99")


def test_band_with_gt_and_gte(tmp_path: Path) -> None:
    data = with_part(bands_part([{"lt": 10, "score": 1}, {"gt": 10, "gte": 10, "score": 2}]))
    error_at(check(tmp_path, data), "score.parts[0].bands[1].gte", "both gt and gte")


def test_band_lower_not_below_upper(tmp_path: Path) -> None:
    data = with_part(
        bands_part([{"lt": 10, "score": 1}, {"gte": 50, "lt": 10, "score": 2}, {"gte": 50}])
    )
    data["score"]["parts"][0]["bands"][2]["score"] = 3
    error_at(check(tmp_path, data), "score.parts[0].bands[1]", "contains no value")


def test_point_band_is_allowed(tmp_path: Path) -> None:
    data = with_part(
        bands_part([{"lt": 6, "score": 1}, {"gte": 6, "lte": 6, "score": 2}, {"gt": 6, "score": 3}])
    )
    assert check(tmp_path, data).ok


def rank_part(tops: list[float]) -> dict[str, Any]:
    return {
        "name": "rank",
        "weight": 0.5,
        "metric": "cumulative_purchase_value",
        "method": "rank_bands",
        "rank_bands": [{"top": top, "score": 10 * i} for i, top in enumerate(tops)],
    }


def test_rank_bands_not_increasing(tmp_path: Path) -> None:
    data = with_part(rank_part([0.2, 0.1, 1.0]))
    error_at(check(tmp_path, data), "score.parts[0].rank_bands[1].top", "strictly increasing")


def test_rank_bands_out_of_range(tmp_path: Path) -> None:
    data = with_part(rank_part([0.5, 1.5]))
    error_at(check(tmp_path, data), "score.parts[0].rank_bands[1].top", "must be at most 1")
    data = with_part(rank_part([0, 1.0]))
    error_at(check(tmp_path, data), "score.parts[0].rank_bands[0].top", "must be greater than 0")


def test_rank_bands_last_top_not_one(tmp_path: Path) -> None:
    data = with_part(rank_part([0.1, 0.5]))
    error_at(check(tmp_path, data), "score.parts[0].rank_bands[1].top", "bottom 50%")


def test_linear_cap_below_floor(tmp_path: Path) -> None:
    data = model()
    data["score"]["parts"][0]["linear"] = {"slope": 1, "floor": 20, "cap": 10}
    error_at(check(tmp_path, data), "score.parts[0].linear.cap", "cap 10 is below floor 20")


def test_ranking_against_catalogue_direction_warns(tmp_path: Path) -> None:
    data = model()
    data["score"]["parts"][1]["metric"] = "days_since_last_purchase"
    report = check(tmp_path, data)
    assert report.ok
    (warning,) = report.warnings
    assert warning.field == "score.parts[1].higher_is_better"
    assert "set higher_is_better: false" in warning.message


# ---------------------------------------------------------------------------------------------
# Grades
# ---------------------------------------------------------------------------------------------


def grade(name: str, **threshold: float) -> dict[str, Any]:
    return {"name": name, **threshold, "policy": dict(POLICY)}


def test_duplicate_grade_names(tmp_path: Path) -> None:
    data = model(grades=[grade("A", min_score=50), grade("A")])
    error_at(check(tmp_path, data), "grades[1].name", "already used by grades[0]")


def test_fewer_than_two_grades(tmp_path: Path) -> None:
    data = model(grades=[grade("A")])
    error_at(check(tmp_path, data), "grades", "needs at least 2")


def test_min_score_not_decreasing(tmp_path: Path) -> None:
    data = model(grades=[grade("A", min_score=50), grade("B", min_score=60), grade("C")])
    error_at(check(tmp_path, data), "grades[1].min_score", "must strictly decrease")


def test_top_share_not_increasing(tmp_path: Path) -> None:
    data = model(grades=[grade("A", top_share=0.5), grade("B", top_share=0.2), grade("C")])
    error_at(check(tmp_path, data), "grades[1].top_share", "must strictly increase")


def test_last_grade_with_threshold(tmp_path: Path) -> None:
    data = model(grades=[grade("A", min_score=50), grade("B", min_score=10)])
    error_at(check(tmp_path, data), "grades[1].min_score", "catch-all")


def test_non_last_grade_without_threshold(tmp_path: Path) -> None:
    data = model(grades=[grade("A"), grade("B", min_score=50), grade("C")])
    error_at(check(tmp_path, data), "grades[0]", "has no threshold")


def test_grade_with_both_thresholds(tmp_path: Path) -> None:
    data = model(grades=[grade("A", min_score=50, top_share=0.2), grade("B")])
    error_at(check(tmp_path, data), "grades[0]", "both min_score and top_share")


def test_top_share_outside_unit_interval(tmp_path: Path) -> None:
    data = model(grades=[grade("A", top_share=1.0), grade("B")])
    error_at(check(tmp_path, data), "grades[0].top_share", "must be less than 1")


def test_policy_field_out_of_range_and_missing(tmp_path: Path) -> None:
    data = model()
    data["grades"][0]["policy"]["discount_pct"] = 120
    error_at(check(tmp_path, data), "grades[0].policy.discount_pct", "must be at most 100")
    data = model()
    del data["grades"][1]["policy"]["follow_up_days"]
    error_at(check(tmp_path, data), "grades[1].policy.follow_up_days", "missing required key")
    data = model()
    data["grades"][0]["policy"]["payment_terms_days"] = 30.5
    error_at(check(tmp_path, data), "grades[0].policy.payment_terms_days", "whole number")


def test_policy_extra_must_be_scalar_snake_case(tmp_path: Path) -> None:
    data = model()
    data["grades"][0]["policy"]["extra"] = {"Service Level": "gold", "vip": None}
    report = check(tmp_path, data)
    error_at(report, "grades[0].policy.extra", "key 'Service Level' in extra is not snake_case")
    error_at(report, "grades[0].policy.extra.vip", "extra values must be text")


def test_unreachable_grade_is_error_without_opt_in(tmp_path: Path) -> None:
    data = model()
    data["score"]["parts"][0]["linear"]["cap"] = 50
    data["grades"][0]["min_score"] = 80
    finding = error_at(check(tmp_path, data), "grades[0].min_score", "is unreachable")
    assert "highest score this model can produce is 75 (count 25 + value 50)" in finding.message
    assert "set allow_unreachable_grades: true" in finding.message


def test_unreachable_grade_is_warning_with_opt_in(tmp_path: Path) -> None:
    data = model(allow_unreachable_grades=True)
    data["grades"][0]["min_score"] = 101
    report = check(tmp_path, data)
    assert report.ok
    (warning,) = report.warnings
    assert warning.field == "grades[0].min_score" and "unreachable" in warning.message


def test_threshold_at_minimum_makes_later_grades_unreachable(tmp_path: Path) -> None:
    data = model(grades=[grade("A", min_score=50), grade("B", min_score=0), grade("C")])
    report = check(tmp_path, data)
    error_at(report, "grades[2]", "every customer scores at least 0")


# ---------------------------------------------------------------------------------------------
# Scope
# ---------------------------------------------------------------------------------------------


def test_scope_unknown_key_and_empty_list(tmp_path: Path) -> None:
    error_at(
        check(tmp_path, model(scope={"regoin": ["East"]})), "scope.regoin", "did you mean 'region'"
    )
    error_at(check(tmp_path, model(scope={"region": []})), "scope.region", "needs at least 1")
    error_at(check(tmp_path, model(scope={"region": "East"})), "scope.region", "must be a list")


# ---------------------------------------------------------------------------------------------
# load_models
# ---------------------------------------------------------------------------------------------


def test_load_models_raises_with_report(tmp_path: Path) -> None:
    write(tmp_path, model(grades=[grade("A")]))
    with pytest.raises(GradingModelError) as caught:
        load_models(tmp_path)
    assert not caught.value.report.ok
    assert "grades: has 1 item" in str(caught.value)


# ---------------------------------------------------------------------------------------------
# Compiled tables
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped_tables() -> dict[str, Any]:
    return compile_models(load_models(MODELS_DIR))


def rows_of(tables: dict[str, Any], table: str, model_name: str) -> list[dict[str, Any]]:
    return [r for r in tables[table].to_pylist() if r["grading_model"] == model_name]


def test_compiled_schemas_are_explicit_even_when_empty(shipped_tables: dict[str, Any]) -> None:
    empty = compile_models([])
    assert list(empty) == list(TABLE_SCHEMAS) == list(shipped_tables)
    for name, schema in TABLE_SCHEMAS.items():
        assert empty[name].schema.equals(schema)
        assert empty[name].num_rows == 0
        assert shipped_tables[name].schema.equals(schema)
    assert str(TABLE_SCHEMAS["model_nodes"].field("node_id").type) == "int32"
    assert str(TABLE_SCHEMAS["model_grades"].field("follow_up_days").type) == "int32"


def test_compiled_nodes_pre_order_and_weights(shipped_tables: dict[str, Any]) -> None:
    nodes = rows_of(shipped_tables, "model_nodes", "published_tech_sabcd")
    assert [(n["node_id"], n["parent_id"], n["node_path"]) for n in nodes] == [
        (0, None, "total"),
        (1, 0, "activity"),
        (2, 1, "activity.consultations"),
        (3, 1, "activity.transactions"),
        (4, 0, "contribution"),
        (5, 4, "contribution.stability"),
        (6, 4, "contribution.cumulative_amount"),
        (7, 0, "value_ranking"),
        (8, 7, "value_ranking.amount_rank"),
        (9, 7, "value_ranking.repurchase_rank"),
    ]
    by_path = {n["node_path"]: n for n in nodes}
    root = by_path["total"]
    assert root["node_name"] == "total" and root["depth"] == 0 and root["weight"] == 1.0
    assert root["max_score"] == 72.0
    activity = by_path["activity"]
    assert (activity["combine"], activity["group_cap"], activity["max_score"]) == ("sum", 100, 100)
    consultations = by_path["activity.consultations"]
    assert consultations["weight"] == 1.0 and consultations["effective_weight"] == 0.3
    assert consultations["node_type"] == "dimension" and consultations["combine"] is None
    assert (consultations["linear_slope"], consultations["linear_cap"]) == (10.0, 50.0)
    assert (consultations["linear_intercept"], consultations["linear_floor"]) == (0.0, 0.0)
    assert by_path["value_ranking.amount_rank"]["effective_weight"] == 0.14
    assert by_path["value_ranking"]["max_score"] == 85.0
    assert by_path["contribution.stability"]["higher_is_better"] is True
    recency = rows_of(shipped_tables, "model_nodes", "east_region_rfm")[1]
    assert recency["node_name"] == "recency" and recency["higher_is_better"] is False


def test_compiled_bands(shipped_tables: dict[str, Any]) -> None:
    bands = rows_of(shipped_tables, "model_bands", "published_tech_sabcd")
    amount = [b for b in bands if b["node_id"] == 6]
    assert [
        (b["band_index"], b["lower"], b["lower_inclusive"], b["upper"], b["upper_inclusive"])
        for b in amount
    ] == [
        (1, None, False, 10000.0, False),
        (2, 10000.0, True, 50000.0, True),
        (3, 50000.0, False, None, False),
    ]
    assert [b["score"] for b in amount] == [10.0, 30.0, 50.0]
    ranks = [b for b in bands if b["node_id"] == 8]
    assert [(b["lower"], b["upper"], b["score"]) for b in ranks][:2] == [
        (0.0, 0.1, 100.0),
        (0.1, 0.2, 80.0),
    ]
    assert all(not b["lower_inclusive"] and b["upper_inclusive"] for b in ranks)
    assert ranks[-1]["upper"] == 1.0


def test_compiled_grades_and_scope(shipped_tables: dict[str, Any]) -> None:
    grades = rows_of(shipped_tables, "model_grades", "published_tech_sabcd")
    assert [(g["grade"], g["grade_rank"], g["min_score"]) for g in grades] == [
        ("S", 1, 90.0),
        ("A", 2, 75.0),
        ("B", 3, 60.0),
        ("C", 4, 40.0),
        ("D", 5, None),
    ]
    extra = json.loads(grades[0]["policy_extra_json"])
    assert extra["dedicated_account_manager"] is True
    abc = rows_of(shipped_tables, "model_grades", "default_abc")
    assert [(g["top_share"], g["min_score"]) for g in abc] == [
        (0.2, None),
        (0.5, None),
        (None, None),
    ]
    assert rows_of(shipped_tables, "model_scope", "published_tech_sabcd") == [
        {
            "grading_model": "published_tech_sabcd",
            "scope_field": "industry",
            "scope_value": "Technology",
        }
    ]
    assert rows_of(shipped_tables, "model_scope", "default_abc") == []


def test_policy_extra_defaults_to_empty_json(tmp_path: Path) -> None:
    report = check(tmp_path, model())
    tables = compile_models(report.models)
    assert tables["model_grades"].column("policy_extra_json").to_pylist() == ["{}", "{}"]


def test_write_compiled_is_atomic_and_complete(
    tmp_path: Path, shipped_tables: dict[str, Any]
) -> None:
    out = tmp_path / "config"
    write_compiled(shipped_tables, out)
    write_compiled(shipped_tables, out)  # overwriting an existing set works too
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.parquet" for n in TABLE_SCHEMAS)
    nodes = pq.read_table(out / "model_nodes.parquet")
    assert nodes.schema.equals(TABLE_SCHEMAS["model_nodes"])
    assert nodes.num_rows == shipped_tables["model_nodes"].num_rows


def test_compile_refuses_duplicate_names() -> None:
    models = load_models(MODELS_DIR)
    with pytest.raises(ValueError, match="given twice"):
        compile_models([models[0], models[0]])


# ---------------------------------------------------------------------------------------------
# JSON Schema
# ---------------------------------------------------------------------------------------------


def test_json_schema_is_up_to_date() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == jsonschema_export.render_schema()
    assert jsonschema_export.main(["--check"]) == 0


def test_json_schema_check_detects_drift(tmp_path: Path) -> None:
    stale = tmp_path / "schema.json"
    stale.write_text("{}\n", encoding="utf-8")
    assert jsonschema_export.main(["--check", "--output", str(stale)]) == 1


def test_shipped_models_validate_against_json_schema() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    files = sorted(MODELS_DIR.glob("*.yml"))
    assert len(files) == 3
    for path in files:
        errors = list(validator.iter_errors(yaml.safe_load(path.read_text(encoding="utf-8"))))
        assert not errors, (path, [e.message for e in errors])
    bad = model()
    bad["score"]["parts"][0]["weigth"] = 0.5
    assert list(validator.iter_errors(bad))


# ---------------------------------------------------------------------------------------------
# Smaller rules and the command line
# ---------------------------------------------------------------------------------------------


def test_depth_four_is_allowed(tmp_path: Path) -> None:
    leaf: dict[str, Any] = {"name": "leaf", "metric": "purchase_count_12m", "method": "percentile"}
    for level in range(3, 0, -1):
        leaf = {"name": f"g{level}", "combine": "sum", "parts": [leaf]}
    data = model()
    data["score"]["parts"][1] = {**leaf, "weight": 0.5}
    report = check(tmp_path, data)
    assert report.ok, report.format()
    nodes = compile_models(report.models)["model_nodes"].to_pylist()
    assert max(n["depth"] for n in nodes) == 4


def test_needless_allow_unreachable_grades_warns(tmp_path: Path) -> None:
    report = check(tmp_path, model(allow_unreachable_grades=True))
    assert report.ok
    assert [w.field for w in report.warnings] == ["allow_unreachable_grades"]


def test_mixed_threshold_kinds_are_checked_per_kind(tmp_path: Path) -> None:
    data = model(grades=[grade("S", top_share=0.05), grade("A", min_score=50), grade("B")])
    assert check(tmp_path, data).ok


def test_cli_validates_and_compiles(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from dagster_project.grading_rules.__main__ import main

    out = tmp_path / "out"
    assert main([str(MODELS_DIR), "--out", str(out)]) == 0
    assert (out / "grading_models.parquet").exists()
    bad = write(tmp_path, model(grades=[grade("A")]), "bad.yml")
    assert main([str(bad)]) == 1
    assert "needs at least 2" in capsys.readouterr().out
