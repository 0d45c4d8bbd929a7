{#-
  Every override row with its final quarantine reason: stg_overrides' own checks, then whether
  the model grades the customer at all (an override outside the model's scope would change
  nothing, so it is quarantined rather than silently ignored). customer_grades applies the rows
  with a NULL reason on the snapshot dates from starts_on through expires_on.
-#}
select
    overrides.override_id,
    overrides.customer_id,
    overrides.grading_model,
    overrides.grade,
    overrides.override_reason,
    overrides.override_author,
    overrides.starts_on,
    overrides.expires_on,
    overrides.raw_record,
    coalesce(
        overrides.quarantine_reason,
        case when population.customer_id is null
            then 'customer_id not in the scope of grading_model' end
    ) as quarantine_reason
from {{ ref('stg_overrides') }} as overrides
left join {{ ref('int_model_population') }} as population
    on overrides.grading_model = population.grading_model
    and overrides.customer_id = population.customer_id
