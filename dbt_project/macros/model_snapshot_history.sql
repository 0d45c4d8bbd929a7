{#-
  For each model and snapshot date of this run, the model's earlier snapshot dates up to
  `depth` steps back (1 = the previous snapshot, whatever the gap in days), from
  int_model_snapshot_dates. Columns: grading_model, snapshot_date (a run date), steps_back,
  history_date, history_version.
-#}
{% macro model_snapshot_history(depth) -%}
    (
        select
            run_dates.grading_model,
            run_dates.snapshot_date,
            run_dates.date_index - history.date_index as steps_back,
            history.snapshot_date as history_date,
            history.model_version as history_version
        from (
            select
                grading_model,
                snapshot_date,
                model_version,
                row_number() over (partition by grading_model order by snapshot_date) as date_index
            from {{ ref('int_model_snapshot_dates') }}
            where snapshot_date <= {{ snapshot_end() }}
        ) as run_dates
        inner join (
            select
                grading_model,
                snapshot_date,
                model_version,
                row_number() over (partition by grading_model order by snapshot_date) as date_index
            from {{ ref('int_model_snapshot_dates') }}
            where snapshot_date <= {{ snapshot_end() }}
        ) as history
            on run_dates.grading_model = history.grading_model
            and history.date_index between run_dates.date_index - {{ depth }}
                and run_dates.date_index - 1
        where run_dates.snapshot_date between {{ snapshot_start() }} and {{ snapshot_end() }}
    )
{%- endmacro %}
