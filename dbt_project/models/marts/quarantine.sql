{#-
  Every landing row that could not be used, with the reason. Rebuilt on every run from the
  current landing files; `grading run` reports the count per entity and reason.
-#}
{%- set entities = [
    ('customers', 'customer_id', 'stg_customers'),
    ('salespeople', 'salesperson_id', 'stg_salespeople'),
    ('purchases', 'purchase_id', 'stg_purchases'),
    ('payments', 'payment_id', 'stg_payments'),
    ('interactions', 'interaction_id', 'stg_interactions'),
    ('overrides', 'override_id', 'int_overrides'),
] %}

{% for entity, key, model in entities %}
select
    '{{ entity }}' as entity,
    {{ key }} as record_id,
    quarantine_reason as reason,
    raw_record
from {{ ref(model) }}
where quarantine_reason is not null
{% if not loop.last %}union all{% endif %}
{% endfor %}
