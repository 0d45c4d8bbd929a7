with raw as (
    select * from {{ landing_relation('salespeople', ['salesperson_id', 'name', 'email']) }}
),

checked as (
    select
        {{ clean_text('salesperson_id') }} as salesperson_id,
        {{ clean_text('name') }} as salesperson_name,
        lower({{ clean_text('email') }}) as email,
        concat_ws('|', salesperson_id, name, email) as raw_record,
        case
            when lower({{ clean_text('email') }}) not like '%_@_%' then 'malformed email'
        end as problem
    from raw
),

ranked as (
    {{ keep_first_usable('checked', 'salesperson_id') }}
)

select
    salesperson_id,
    salesperson_name,
    email,
    raw_record,
    {{ quarantine_reason('salesperson_id') }} as quarantine_reason
from ranked
