{#-
  A landing entity as an all-varchar relation. The CLI sets GRADING_LANDING_<ENTITY> to a file
  glob (CSV or Parquet) or to an empty string when the entity was not supplied; an absent entity
  becomes an empty relation with the same columns, so the metrics that need it come out NULL.
  Typing and validation happen in the staging model, on text, so CSV and Parquet behave alike.
-#}
{% macro landing_relation(entity, columns) -%}
    {#- Registers the lineage edge to the declared source; the relation itself is read below. -#}
    {%- do source('landing', entity) -%}
    {%- set location = env_var('GRADING_LANDING_' ~ entity | upper, '') -%}
    {%- if location -%}
        (
            select
                {%- for column in columns %}
                cast({{ adapter.quote(column) }} as varchar) as {{ column }}{{ "," if not loop.last }}
                {%- endfor %}
            from
            {%- if location.endswith('.parquet') %}
                read_parquet({{ sql_string(location) }}, union_by_name = true)
            {%- else %}
                read_csv({{ sql_string(location) }}, header = true, all_varchar = true,
                         union_by_name = true, encoding = 'utf-8')
            {%- endif %}
        )
    {%- else -%}
        (
            select
                {%- for column in columns %}
                cast(null as varchar) as {{ column }}{{ "," if not loop.last }}
                {%- endfor %}
            where 1 = 0
        )
    {%- endif -%}
{%- endmacro %}

{#- Whether an optional landing entity was supplied (drives NULL vs 0 metrics). -#}
{% macro landing_supplied(entity) -%}
    {{ 'true' if env_var('GRADING_LANDING_' ~ entity | upper, '') else 'false' }}
{%- endmacro %}

{#- Text -> typed value or NULL; `trim` + empty-as-NULL is how every landing field is read. -#}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{% macro parse_date(column) -%}
    cast({{ try_timestamp(column) }} as date)
{%- endmacro %}

{% macro try_timestamp(column) -%}
    try_cast({{ clean_text(column) }} as timestamp)
{%- endmacro %}

{% macro try_number(column) -%}
    try_cast({{ clean_text(column) }} as double)
{%- endmacro %}
