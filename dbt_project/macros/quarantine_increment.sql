{#-
  int_quarantined_events checks again only the staged events whose verdict can have changed.

  Checking every stored purchase, payment and interaction against the current customers on
  every run made the quarantine the one daily step that grew with the whole landing history
  (3.4 to 3.6 s at a million customers, docs/benchmarks.md). An event's reason depends on:
    - its staged row (its own problem and its duplicate rank): a changed row is written again
      by base_<entity>, which stamps it with `staged_at`;
    - the usable customers: stg_customers is typed again only when they can change, and its
      rows then carry a new `staged_version` or `checked_on`;
    - the SQL of this model, of the stg_<entity> views and of the project's macros;
    - the run's today, through "... in the future" alone.
  The first three make the stored version (`events_version`); a change of it checks every
  event again. The "in the future" reasons are not stored at all: the `quarantine` mart reads
  them from the views on every run, through a date filter that reaches the staged rows before
  the join to the customers. What is stored is every other reason, re-checked for the rows
  staged since the last check (`checked_at`) and for the rows whose day has come since the last
  check's today (`checked_on`). A today earlier than a stored one checks everything again (a
  stored verdict of a row that is in the future again would be stale).
  `staged_at` and `checked_at` are both dbt's run_started_at: a row staged by the run that
  checked it is not checked again. Assumes the machine's clock does not go back between runs.
-#}

{#- The event entities, their views, their event moment and their "in the future" reason. -#}
{% macro quarantined_event_entities() -%}
    {{ return([
        {'entity': 'purchases', 'key': 'purchase_id', 'view': 'stg_purchases',
         'base': 'base_purchases', 'moment': 'purchased_at', 'is_date': false,
         'future': 'purchased_at in the future'},
        {'entity': 'payments', 'key': 'payment_id', 'view': 'stg_payments',
         'base': 'base_payments', 'moment': 'paid_date', 'is_date': true,
         'future': 'paid_at in the future'},
        {'entity': 'interactions', 'key': 'interaction_id', 'view': 'stg_interactions',
         'base': 'base_interactions', 'moment': 'occurred_at', 'is_date': false,
         'future': 'occurred_at in the future'},
    ]) }}
{%- endmacro %}

{#-
  SQL: the event's day is after `day` ('YYYY-MM-DD'), written on the stored column (a date, or
  a timestamp compared with the next midnight) so that it reaches the scan of the staged rows.
-#}
{% macro event_after(entity, day) -%}
    {%- if entity.is_date -%}
        {{ entity.moment }} > cast({{ sql_string(day) }} as date)
    {%- else -%}
        {%- set next_day = modules.datetime.date.fromisoformat(day) + modules.datetime.timedelta(days=1) -%}
        {{ entity.moment }} >= cast({{ sql_string(next_day.isoformat()) }} as {{ dbt.type_timestamp() }})
    {%- endif -%}
{%- endmacro %}

{#- The run's today as 'YYYY-MM-DD' (GRADING_TODAY or the database's current date). -#}
{% macro run_today_string() -%}
    {%- if not execute -%}{{ return('2000-01-01') }}{%- endif -%}
    {%- set query %}select cast({{ run_today() }} as {{ dbt.type_string() }}){% endset -%}
    {{ return(run_query(query).columns[0].values()[0][:10]) }}
{%- endmacro %}

{#- SQL: the fingerprint of the usable customers and of the SQL that decides a reason. -#}
{% macro quarantined_events_version() -%}
    {%- if not execute -%}{{ return("cast(null as " ~ dbt.type_string() ~ ")") }}{%- endif -%}
    {%- set codes = [local_md5(model.raw_code), project_macros_md5()] -%}
    {%- for entity in quarantined_event_entities() -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model'
                and node.name == entity.view -%}
            {%- do codes.append(local_md5(node.raw_code)) -%}
        {%- endfor -%}
    {%- endfor -%}
    md5(concat_ws('|', {{ sql_string(codes | join(',')) }},
        (select coalesce(max(staged_version), '') || '@'
                || coalesce(cast(max(checked_on) as {{ dbt.type_string() }}), '')
         from {{ ref('stg_customers') }})))
{%- endmacro %}

{#-
  What this run of int_quarantined_events checks: {full, since, frontier, today}. `full` on
  parse, a first or full-refresh run, an empty or older table, a changed version or a today
  before the stored one (the state is read from every row, the check's own row included);
  otherwise the rows staged from `since` on and the rows dated after `frontier` up to `today`.
  Read before the pre-hook deletes anything, by the hook and by the model body alike, so both
  see the same state.
-#}
{% macro quarantine_check_scope() -%}
    {%- set scope = {'full': true, 'since': none, 'frontier': none, 'today': run_today_string()} -%}
    {%- if execute and is_incremental() -%}
        {%- set stored = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
        {%- if 'checked_at' in stored and 'checked_on' in stored and 'events_version' in stored -%}
            {%- set query -%}
                select
                    count(*) = 0 or bool_or(events_version <> {{ quarantined_events_version() }}),
                    cast(max(checked_at) as {{ dbt.type_string() }}),
                    cast(max(checked_on) as {{ dbt.type_string() }})
                from {{ this }}
            {%- endset -%}
            {%- set row = run_query(query).rows[0] -%}
            {%- if not row[0] and row[2][:10] <= scope.today -%}
                {%- do scope.update({'full': false, 'since': row[1], 'frontier': row[2][:10]}) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
    {{ return(scope) }}
{%- endmacro %}

{#-
  SQL conditions on the columns of an entity's base table or view: the rows checked again this
  run, in two parts that DuckDB can each push into the scan of the staged rows (an OR of the two
  made it scan and join every row): those staged since the last check, and the others whose day
  has come since (none when the last check had the same today).
-#}
{% macro quarantine_recheck_parts(entity, scope) -%}
    {%- set staged = 'staged_at > cast(' ~ sql_string(scope.since) ~ ' as ' ~ dbt.type_timestamp() ~ ')' -%}
    {%- set parts = [staged] -%}
    {%- if scope.frontier < scope.today -%}
        {%- do parts.append(event_after(entity, scope.frontier) ~ ' and not '
            ~ event_after(entity, scope.today) ~ ' and (staged_at is null or not ' ~ staged ~ ')') -%}
    {%- endif -%}
    {{ return(parts) }}
{%- endmacro %}

{#-
  Pre-hook: drop the stored verdicts about to be replaced: everything on a full check; else the
  previous check's row, the rows checked again (a staged row is known by its file version and
  its raw text, which carries its id) and the rows of landing files that are gone.
-#}
{% macro clear_quarantine_for_recheck() -%}
    {%- if is_incremental() -%}
        {%- set scope = quarantine_check_scope() -%}
        {%- if scope.full -%}
            delete from {{ this }}
        {%- else -%}
            delete from {{ this }}
            where entity is null  -- the previous check's own row (the model writes this one's)
            {%- for entity in quarantined_event_entities() %}
                or (entity = {{ sql_string(entity.entity) }} and (
                    source_file_id not in {{ current_file_ids(entity.entity) }}
                    {%- for part in quarantine_recheck_parts(entity, scope) %}
                    or exists (
                        select 1 from {{ ref(entity.base) }} as staged
                        where staged.source_file_id = {{ this.identifier }}.source_file_id
                            and staged.raw_record = {{ this.identifier }}.raw_record
                            and {{ part }}
                    )
                    {%- endfor %}
                ))
            {%- endfor %}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
