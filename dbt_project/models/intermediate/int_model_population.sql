{#-
  Which customers each grading model grades: a customer is in a model's scope when, for every
  scope field the model names (region, business_line, industry), its value is one of the listed
  values. A model without scope grades everyone. This population is also the one ranks and top
  shares are taken over. Scope fields are matched as data against fixed literals.
-#}
with customers as (
    select customer_id, region, business_line, industry
    from {{ ref('int_customers') }}
),

models as (
    select grading_model from {{ ref('stg_grading_models') }}
),

scope as (
    select grading_model, scope_field, scope_value from {{ ref('stg_model_scope') }}
),

required_fields as (
    select grading_model, count(distinct scope_field) as field_count
    from scope
    group by grading_model
),

customer_fields as (
    select customer_id, 'region' as scope_field, region as field_value from customers
    union all
    select customer_id, 'business_line', business_line from customers
    union all
    select customer_id, 'industry', industry from customers
),

matched as (
    select scope.grading_model, customer_fields.customer_id
    from scope
    inner join customer_fields
        on scope.scope_field = customer_fields.scope_field
        and scope.scope_value = customer_fields.field_value
    group by scope.grading_model, customer_fields.customer_id
    having count(distinct scope.scope_field) = (
        select field_count from required_fields
        where required_fields.grading_model = scope.grading_model
    )
)

select models.grading_model, customers.customer_id
from models
cross join customers
where models.grading_model not in (select grading_model from required_fields)
union all
select grading_model, customer_id
from matched
