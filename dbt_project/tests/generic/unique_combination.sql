{#- The combination of columns identifies at most one row (a grain test without packages). -#}
{% test unique_combination(model, combination) %}
select {{ combination | join(', ') }}, count(*) as rows_with_key
from {{ model }}
group by {{ combination | join(', ') }}
having count(*) > 1
{% endtest %}
