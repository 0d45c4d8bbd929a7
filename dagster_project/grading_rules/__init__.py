"""Grading models: YAML files edited by data engineers, validated and compiled to Parquet.

A grading model says how customers are scored (a tree of weighted or summed parts over catalogue
metrics), which grades the score maps to, and which policy each grade gets. The dbt SQL is generic
and reads the compiled tables as data, so changing a model never needs a SQL change; everything
that can be wrong with a model must therefore be caught here, before a run.

    report = validate_paths([Path("grading_models")])
    print(report.format())
    write_compiled(compile_models(report.models), Path("warehouse/config"))
"""

from .catalogue import DEFAULT_CATALOGUE_PATH, Metric, load_catalogue
from .compiler import TABLE_SCHEMAS, compile_models, write_compiled
from .schema import GradingModel
from .validation import (
    Finding,
    GradingModelError,
    ValidationReport,
    load_models,
    validate_paths,
)

__all__ = [
    "DEFAULT_CATALOGUE_PATH",
    "TABLE_SCHEMAS",
    "Finding",
    "GradingModel",
    "GradingModelError",
    "Metric",
    "ValidationReport",
    "compile_models",
    "load_catalogue",
    "load_models",
    "validate_paths",
    "write_compiled",
]
