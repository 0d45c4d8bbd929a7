{#-
  An md5 of the SQL of every macro of this project, for the fingerprints that decide whether
  stored rows must be computed again (stg_customers' `staged_version`, the quarantine's
  `events_version`).

  Those fingerprints used to hash the models' own code only, so an upgrade that changed a macro
  they call (a quarantine reason, a parsing rule) left yesterday's rows in place until the data
  changed. Which macros a model reaches is not known to Jinja (dbt records only the ones it
  calls directly), so every project macro counts: any macro change checks those models' rows
  again once, about 3 s at a million customers.
-#}
{% macro project_macros_md5() -%}
    {%- set sources = [] -%}
    {%- for name in context.keys() | sort -%}
        {%- set value = context[name] -%}
        {%- if value.macro is defined and value.macro.package_name == project_name -%}
            {%- do sources.append(name ~ '\n' ~ value.macro.macro_sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(local_md5(sources | join('\n'))) }}
{%- endmacro %}
