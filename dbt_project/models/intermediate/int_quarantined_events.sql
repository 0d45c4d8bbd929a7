{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
        pre_hook="{{ clear_quarantine_for_recheck() }}",
    )
}}
{#-
  The stored verdicts behind the event rows of the `quarantine` mart: every staged purchase,
  payment and interaction that cannot be used, with the reason, except "... in the future"
  (the mart reads those on every run). Checked again only where a verdict can have changed
  (macros/quarantine_increment.sql): the rows staged since the last check, the rows whose day
  has come, or everything when the customers or the checking SQL changed.
  One more row, with a NULL entity, records the check itself (when, against which today and
  version): a warehouse with no quarantined events had no row to read that from, and so checked
  every event on every run.
-#}
-- depends_on: {{ ref('base_purchases') }}, {{ ref('base_payments') }}, {{ ref('base_interactions') }}
-- depends_on: {{ ref('stg_customers') }}
{%- do source('landing', 'file_manifest') -%}
{%- set scope = quarantine_check_scope() %}

{%- set selects = [] %}
{%- for entity in quarantined_event_entities() %}
    {%- for part in (['true'] if scope.full else quarantine_recheck_parts(entity, scope)) %}
        {%- do selects.append((entity, part)) %}
    {%- endfor %}
{%- endfor %}

{% for entity, part in selects %}
select
    {{ sql_string(entity.entity) }} as entity,
    {{ entity.key }} as record_id,
    quarantine_reason as reason,
    raw_record,
    source_file_id,
    cast({{ sql_string(scope.today) }} as date) as checked_on,
    {{ run_started_timestamp() }} as checked_at,
    {{ quarantined_events_version() }} as events_version
from {{ ref(entity.view) }}
where quarantine_reason is not null
    and quarantine_reason <> {{ sql_string(entity.future) }}
    and {{ part }}
union all
{% endfor %}
-- the check itself, whatever it found
select
    cast(null as {{ dbt.type_string() }}) as entity,
    null as record_id,
    null as reason,
    null as raw_record,
    null as source_file_id,
    cast({{ sql_string(scope.today) }} as date) as checked_on,
    {{ run_started_timestamp() }} as checked_at,
    {{ quarantined_events_version() }} as events_version
