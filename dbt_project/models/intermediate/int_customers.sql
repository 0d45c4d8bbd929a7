{#- The customers that can be graded (quarantined rows excluded), with their owner's contact. -#}
select
    customers.customer_id,
    customers.customer_name,
    customers.region,
    customers.business_line,
    customers.industry,
    customers.owner_id,
    salespeople.salesperson_name as owner_name,
    salespeople.email as owner_email,
    customers.partnership_start,
    customers.credit_rating,
    customers.credit_rating_score
from {{ ref('stg_customers') }} as customers
left join {{ ref('stg_salespeople') }} as salespeople
    on customers.owner_id = salespeople.salesperson_id
    and salespeople.quarantine_reason is null
where customers.quarantine_reason is null
