with raw as (
    select * from {{ landing_relation('salespeople', ['salesperson_id', 'name', 'email']) }}
),

typed as (
    select
        {{ clean_text('salesperson_id') }} as salesperson_id,
        {{ clean_text('name') }} as salesperson_name,
        lower({{ clean_text('email') }}) as email,
        row_number() over (
            partition by {{ clean_text('salesperson_id') }} order by name, email
        ) as id_occurrence,
        concat_ws('|', salesperson_id, name, email) as raw_record
    from raw
)

select
    salesperson_id,
    salesperson_name,
    email,
    raw_record,
    case
        when salesperson_id is null then 'missing salesperson_id'
        when id_occurrence > 1 then 'duplicate salesperson_id'
        when email is not null and email not like '%_@_%' then 'malformed email'
    end as quarantine_reason
from typed
