{#-
  Every landing row that could not be used, with the reason; `grading run` reports the count per
  entity and reason. The customers, salespeople and overrides are read whole on every run. The
  events' verdicts are stored in int_quarantined_events and checked again only where they can
  have changed (macros/quarantine_increment.sql); their "... in the future" reasons, the only
  ones that move with the run's date, are read here on every run, through a date filter that
  reaches the staged rows before the views join them to the customers.
-#}
{%- set entities = [
    ('customers', 'customer_id', 'stg_customers'),
    ('salespeople', 'salesperson_id', 'stg_salespeople'),
    ('overrides', 'override_id', 'int_overrides'),
] %}
{%- set today = run_today_string() %}

{% for entity, key, model in entities %}
select
    '{{ entity }}' as entity,
    {{ key }} as record_id,
    quarantine_reason as reason,
    raw_record
from {{ ref(model) }}
where quarantine_reason is not null
union all
{% endfor %}
select entity, record_id, reason, raw_record
from {{ ref('int_quarantined_events') }}
where entity is not null  -- not the check's own row
{% for entity in quarantined_event_entities() %}
union all
select
    {{ sql_string(entity.entity) }} as entity,
    {{ entity.key }} as record_id,
    quarantine_reason as reason,
    raw_record
from {{ ref(entity.view) }}
where {{ event_after(entity, today) }}
    and quarantine_reason = {{ sql_string(entity.future) }}
{% endfor %}
