"""Assets grouped by stage: config (grading-model files), dbt (staging → intermediate → marts)."""
