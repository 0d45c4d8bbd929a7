"""Benchmarks: baselines the pipeline is measured against."""
