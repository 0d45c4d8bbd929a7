{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='snapshot_date',
    )
}}
{#-
  Every snapshot date each model has grades for, with the model_version it was graded with: a
  small index over marts.customer_grades, so that finding "the model's previous snapshot"
  (whatever the gap) never scans the whole grade history. The first build indexes all history
  already stored; later runs replace their own dates.
-#}
select
    grading_model,
    snapshot_date,
    min(model_version) as model_version,
    count(*) as population_size
from {{ ref('customer_grades') }}
{% if is_incremental() -%}
where snapshot_date between {{ snapshot_start() }} and {{ snapshot_end() }}
{%- endif %}
group by grading_model, snapshot_date
