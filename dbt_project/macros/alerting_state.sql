{#-
  The alert delivery state: which alert went out on which channel, when, and how often it was
  tried. dbt never builds this table (it is a source, created here when missing), so neither a
  re-run nor a `--full-refresh` can wipe the record of what was already sent. The Dagster asset
  `alert_delivery` (dagster_project/alerting/) writes it; `marts.grade_alerts` joins it.
  Runs as an on-run-start hook so the table exists before the view that reads it is created.
-#}
{% macro create_alerting_state() -%}
    create schema if not exists alerting;
    create table if not exists alerting.alert_deliveries (
        alert_key varchar not null,
        channel varchar not null,
        recipient varchar not null,
        status varchar not null,
        attempts integer not null,
        last_error varchar,
        first_attempt_at timestamp,
        last_attempt_at timestamp,
        sent_at timestamp,
        primary key (alert_key, channel)
    );
{%- endmacro %}
