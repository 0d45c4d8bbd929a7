{#-
  Duplicate ids in landing files: the first *usable* row of an id is kept (a row without another
  problem before one with a problem, ties broken by the row's values, so the choice does not
  depend on file order) and the others are quarantined as duplicates. Expects a `problem` column
  (the row's own defect or NULL).
-#}
{#-
  `relation` (a CTE with a `problem` and a `raw_record` column) with `id_occurrence` added: 1 for
  the row kept, 2.. for the other rows of a duplicated id. Only the (few) duplicated ids are
  ranked, so the big, clean majority of rows skips the sort a window over every row would cost.
-#}
{% macro keep_first_usable(relation, key_column) -%}
    select {{ relation }}.*, 1 as id_occurrence
    from {{ relation }}
    left join (
        select {{ key_column }} as duplicated_key
        from {{ relation }}
        group by {{ key_column }}
        having count(*) > 1
    ) as duplicated
        on {{ relation }}.{{ key_column }} = duplicated.duplicated_key
    where duplicated.duplicated_key is null
    union all
    select
        {{ relation }}.*,
        row_number() over (
            partition by {{ relation }}.{{ key_column }}
            order by case when {{ relation }}.problem is null then 0 else 1 end,
                {{ relation }}.raw_record
        ) as id_occurrence
    from {{ relation }}
    inner join (
        select {{ key_column }} as duplicated_key
        from {{ relation }}
        group by {{ key_column }}
        having count(*) > 1
    ) as duplicated
        on {{ relation }}.{{ key_column }} = duplicated.duplicated_key
{%- endmacro %}

{#- The final reason: a missing id, else a duplicate, else the row's own problem, else NULL. -#}
{% macro quarantine_reason(key_column) -%}
    case
        when {{ key_column }} is null then 'missing {{ key_column }}'
        when id_occurrence > 1 then 'duplicate {{ key_column }}'
        else problem
    end
{%- endmacro %}
