{#-
  Every metric of the catalogue for every gradable customer at every snapshot date of the run, in
  one set-based pass: the customer-day rows and one marker row per (customer, snapshot date) are
  windowed together with RANGE frames over a day number, and the marker rows are kept. The same
  query serves one date or a year of dates. Exact definitions: docs/metrics.md.
-#}

with snapshot_dates as (
    select snapshot_date from {{ ref('int_snapshot_dates') }}
),

customers as (
    select customer_id, partnership_start, credit_rating_score
    from {{ ref('int_customers') }}
),

daily as (
    select
        activity.*,
        -- the customer's previous purchase day, for repeat purchases and first-in-month flags
        max(case when purchase_count > 0 then activity_date end) over (
            partition by customer_id order by activity_date
            rows between unbounded preceding and 1 preceding
        ) as previous_purchase_date
    from {{ ref('int_customer_daily_activity') }} as activity
    where activity_date <= (select max(snapshot_date) from snapshot_dates)
        and customer_id in (select customer_id from customers)
),

events as (
    select
        customer_id,
        activity_date as event_date,
        0 as is_snapshot,
        purchase_value,
        purchase_count,
        case when purchase_count > 0
            then purchase_count - 1 + case
                when previous_purchase_date is not null
                    and {{ dbt.datediff('previous_purchase_date', 'activity_date', 'day') }} <= 90
                then 1 else 0 end
            else 0
        end as repeat_purchases,
        case when purchase_count > 0 and (
                previous_purchase_date is null
                or {{ month_number('previous_purchase_date') }} <> {{ month_number('activity_date') }}
            ) then 1 else 0
        end as first_purchase_of_month,
        payments_due,
        payments_due_on_time,
        payments_paid,
        days_late_paid,
        credit_incidents,
        consultations,
        interactions
    from daily
    union all
    select
        customers.customer_id,
        snapshot_dates.snapshot_date,
        1,
        cast(0 as decimal(18, 2)), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    from customers
    cross join snapshot_dates
),

numbered as (
    select
        *,
        {{ day_number('event_date') }} as day_no,
        {{ month_number('event_date') }} as month_no
    from events
),

windowed as (
    select
        customer_id,
        event_date,
        is_snapshot,
        sum(purchase_value) over last_365_days as purchase_value_12m,
        sum(purchase_count) over last_365_days as purchase_count_12m,
        sum(purchase_value) over prior_365_days as purchase_value_prior_12m,
        sum(purchase_value) over all_history as cumulative_purchase_value,
        sum(purchase_count) over all_history as cumulative_purchase_count,
        max(case when purchase_count > 0 then day_no end) over all_history as last_purchase_day,
        max(case when interactions > 0 then day_no end) over all_history as last_interaction_day,
        sum(first_purchase_of_month) over all_history as active_months_to_date,
        sum(first_purchase_of_month) over (
            partition by customer_id order by month_no
            range between unbounded preceding and 6 preceding
        ) as active_months_before_window,
        sum(repeat_purchases) over last_365_days as repeat_purchases_12m,
        sum(payments_due) over last_365_days as payments_due_12m,
        sum(payments_due_on_time) over last_365_days as payments_on_time_12m,
        sum(payments_paid) over last_365_days as payments_paid_12m,
        sum(days_late_paid) over last_365_days as days_late_paid_12m,
        sum(credit_incidents) over last_365_days as credit_incidents_12m,
        sum(consultations) over last_365_days as consultations_12m,
        sum(interactions) over last_365_days as interactions_12m,
        day_no
    from numbered
    window
        all_history as (
            partition by customer_id order by day_no
            range between unbounded preceding and current row
        ),
        last_365_days as (
            partition by customer_id order by day_no range between 364 preceding and current row
        ),
        prior_365_days as (
            partition by customer_id order by day_no range between 729 preceding and 365 preceding
        )
)

select
    windowed.event_date as snapshot_date,
    windowed.customer_id,
    cast(windowed.purchase_value_12m as double) as purchase_value_12m,
    cast(windowed.purchase_count_12m as integer) as purchase_count_12m,
    cast(windowed.cumulative_purchase_value as double) as cumulative_purchase_value,
    cast(windowed.cumulative_purchase_count as integer) as cumulative_purchase_count,
    cast(windowed.purchase_value_12m as double)
        / nullif(windowed.purchase_count_12m, 0) as average_order_value_12m,
    windowed.day_no - windowed.last_purchase_day as days_since_last_purchase,
    cast(windowed.active_months_to_date - coalesce(windowed.active_months_before_window, 0)
        as integer) as active_months_6m,
    cast(windowed.repeat_purchases_12m as double)
        / nullif(windowed.purchase_count_12m, 0) as repurchase_rate_12m,
    case when inventory.payments_supplied
        then cast(windowed.payments_on_time_12m as double) / nullif(windowed.payments_due_12m, 0)
    end as on_time_payment_rate_12m,
    case when inventory.payments_supplied
        then cast(windowed.days_late_paid_12m as double) / nullif(windowed.payments_paid_12m, 0)
    end as avg_days_late_12m,
    case when inventory.payments_supplied
        then cast(windowed.credit_incidents_12m as integer)
    end as credit_incidents_12m,
    case
        when customers.partnership_start is null then null
        when customers.partnership_start > windowed.event_date then 0
        else cast({{ dbt.datediff('customers.partnership_start', 'windowed.event_date', 'month') }}
            as integer)
    end as partnership_months,
    customers.credit_rating_score,
    case when inventory.interactions_supplied
        then cast(windowed.consultations_12m as integer)
    end as consultation_count_12m,
    case when inventory.interactions_supplied
        then cast(windowed.interactions_12m as integer)
    end as interaction_count_12m,
    windowed.day_no - windowed.last_interaction_day as days_since_last_interaction,
    (cast(windowed.purchase_value_12m as double) - windowed.purchase_value_prior_12m)
        / nullif(cast(windowed.purchase_value_prior_12m as double), 0)
        as purchase_value_growth_12m
from windowed
inner join customers
    on windowed.customer_id = customers.customer_id
cross join {{ ref('int_landing_inventory') }} as inventory
where windowed.is_snapshot = 1
