{#-
  Manual grade overrides, typed and checked (docs/overrides.md). A salesperson or manager pins a
  customer's grade for one grading model from starts_on through expires_on (both inclusive), with
  a reason and an author. Rows that cannot apply carry a quarantine_reason and are listed in
  `quarantine`; they are never silently ignored. The scope check (is the customer graded by that
  model at all) needs the model population and happens in int_overrides.
-#}
with raw as (
    select * from {{ landing_relation('overrides', [
        'override_id', 'customer_id', 'grading_model', 'grade', 'reason', 'author',
        'starts_on', 'expires_on']) }}
),

typed as (
    select
        {{ clean_text('override_id') }} as override_id,
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_text('grading_model') }} as grading_model,
        {{ clean_text('grade') }} as grade,
        {{ clean_text('reason') }} as override_reason,
        {{ clean_text('author') }} as override_author,
        {{ parse_date('starts_on') }} as starts_on,
        {{ parse_date('expires_on') }} as expires_on,
        {{ clean_text('starts_on') }} is null as no_starts_on,
        {{ clean_text('expires_on') }} is null as no_expires_on,
        concat_ws('|', override_id, customer_id, grading_model, grade, reason, author,
            starts_on, expires_on) as raw_record
    from raw
),

checked as (
    select
        typed.*,
        case
            when typed.customer_id is null then 'missing customer_id'
            when typed.grading_model is null then 'missing grading_model'
            when typed.grade is null then 'missing grade'
            when typed.override_reason is null then 'missing reason'
            when typed.override_author is null then 'missing author'
            when typed.no_starts_on then 'missing starts_on'
            when typed.starts_on is null then 'unparseable starts_on'
            when typed.no_expires_on then 'missing expires_on'
            when typed.expires_on is null then 'unparseable expires_on'
            when typed.expires_on < typed.starts_on then 'expires_on before starts_on'
            when customers.customer_id is null then 'unknown customer_id'
            when models.grading_model is null then 'unknown grading_model'
            when grades.grade is null then 'grade not defined by grading_model'
        end as problem
    from typed
    left join {{ ref('stg_customers') }} as customers
        on typed.customer_id = customers.customer_id
        and customers.quarantine_reason is null
    left join {{ ref('stg_grading_models') }} as models
        on typed.grading_model = models.grading_model
    left join {{ ref('stg_model_grades') }} as grades
        on typed.grading_model = grades.grading_model
        and typed.grade = grades.grade
),

ranked as (
    {{ keep_first_usable('checked', 'override_id') }}
)

select
    override_id,
    customer_id,
    grading_model,
    grade,
    override_reason,
    override_author,
    starts_on,
    expires_on,
    raw_record,
    {{ quarantine_reason('override_id') }} as quarantine_reason
from ranked
