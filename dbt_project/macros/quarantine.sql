{#-
  Duplicate ids in landing files: the first *usable* row of an id is kept (a row without another
  problem before one with a problem, ties broken by the row's values, so the choice does not
  depend on file order) and the others are quarantined as duplicates. Expects a `problem` column
  (the row's own defect or NULL).
-#}
{% macro keep_first_usable(key_column, raw_column) -%}
    row_number() over (
        partition by {{ key_column }}
        order by case when problem is null then 0 else 1 end, {{ raw_column }}
    )
{%- endmacro %}

{#- The final reason: a missing id, else a duplicate, else the row's own problem, else NULL. -#}
{% macro quarantine_reason(key_column) -%}
    case
        when {{ key_column }} is null then 'missing {{ key_column }}'
        when id_occurrence > 1 then 'duplicate {{ key_column }}'
        else problem
    end
{%- endmacro %}
