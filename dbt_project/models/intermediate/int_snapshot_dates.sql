{#- The snapshot dates of this run: GRADING_SNAPSHOT_START .. GRADING_SNAPSHOT_END inclusive. -#}
with spine as (
    {{ dbt.date_spine('day', snapshot_start(), dbt.dateadd('day', 1, snapshot_end())) }}
)

select cast(date_day as date) as snapshot_date
from spine
