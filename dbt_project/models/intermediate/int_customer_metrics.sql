{#-
  Every metric of the catalogue for every gradable customer at every snapshot date of the run.
  Exact definitions: docs/metrics.md. Two interchangeable strategies compute the windowed sums
  (see macros/snapshot_range.sql): conditional aggregation per date for a few dates, or one pass
  of RANGE window frames over customer-day rows plus one marker row per (customer, date) for
  backfills. Both feed the same final projection.
-#}
{%- set strategy = metrics_strategy() %}

with snapshot_dates as (
    select snapshot_date, {{ day_number('snapshot_date') }} as day_no
    from {{ ref('int_snapshot_dates') }}
),

customers as (
    select customer_id, partnership_start, credit_rating_score
    from {{ ref('int_customers') }}
),

active_days as (
    -- no filter on the gradable customers here: the few days of a customer who is no longer
    -- gradable are dropped by the final join to the population, and probing every stored
    -- customer-day against the customers cost more (1 to 2 s at 1,000,000 customers)
    select activity.*
    from {{ ref('int_customer_daily_activity') }} as activity
    where activity_date <= (select max(snapshot_date) from snapshot_dates)
),

daily as (
    -- plain date comparisons per row: day numbers (a timestamp difference on DuckDB) for each
    -- of some 57 million customer-days at 1,000,000 customers cost about 0.7 s of the model's
    -- 3.6 s (docs/benchmarks.md); the window strategy numbers the days it frames by, below
    select
        customer_id,
        activity_date,
        purchase_value,
        purchase_count,
        case when purchase_count > 0
            then purchase_count - 1 + case
                when previous_purchase_date >= {{ shifted_date('day', -90, 'activity_date') }}
                then 1 else 0 end
            else 0
        end as repeat_purchases,
        case when purchase_count > 0 and (
                previous_purchase_date is null
                or previous_purchase_date
                    < cast({{ dbt.date_trunc('month', 'activity_date') }} as date)
            ) then 1 else 0
        end as first_purchase_of_month,
        payments_due,
        payments_due_on_time,
        payments_paid,
        days_late_paid,
        credit_incidents,
        consultations,
        interactions
    from active_days
),

{% if strategy == 'aggregate' %}
bounds as (
    -- each date's window edges, computed once per date rather than per customer-day:
    -- day_no > d - 365 (the last 12 months), d - 729 .. d - 365 (the 12 months before) and
    -- month_no > month(d) - 6 (the last 6 calendar months) of the window strategy, as dates
    select
        snapshot_date,
        {{ shifted_date('day', -364, 'snapshot_date') }} as from_12m,
        {{ shifted_date('day', -729, 'snapshot_date') }} as from_prior_12m,
        {{ shifted_date('day', -365, 'snapshot_date') }} as to_prior_12m,
        {{ shifted_date('month', -5,
            'cast(' ~ dbt.date_trunc('month', 'snapshot_date') ~ ' as date)') }} as from_6m
    from snapshot_dates
),

dated_sums as (
    -- one conditional aggregate per snapshot date over the customer's history up to that date
    select
        bounds.snapshot_date,
        daily.customer_id,
        {%- set in_12m = 'daily.activity_date >= bounds.from_12m' %}
        sum(case when {{ in_12m }} then daily.purchase_value else 0 end) as purchase_value_12m,
        sum(case when {{ in_12m }} then daily.purchase_count else 0 end) as purchase_count_12m,
        sum(case when daily.activity_date between bounds.from_prior_12m and bounds.to_prior_12m
            then daily.purchase_value end) as purchase_value_prior_12m,
        sum(daily.purchase_value) as cumulative_purchase_value,
        sum(daily.purchase_count) as cumulative_purchase_count,
        max(case when daily.purchase_count > 0 then daily.activity_date end) as last_purchase_date,
        max(case when daily.interactions > 0 then daily.activity_date end)
            as last_interaction_date,
        sum(case when daily.activity_date >= bounds.from_6m
            then daily.first_purchase_of_month else 0 end) as active_months_6m,
        sum(case when {{ in_12m }} then daily.repeat_purchases else 0 end) as repeat_purchases_12m,
        sum(case when {{ in_12m }} then daily.payments_due else 0 end) as payments_due_12m,
        sum(case when {{ in_12m }} then daily.payments_due_on_time else 0 end)
            as payments_on_time_12m,
        sum(case when {{ in_12m }} then daily.payments_paid else 0 end) as payments_paid_12m,
        sum(case when {{ in_12m }} then daily.days_late_paid else 0 end) as days_late_paid_12m,
        sum(case when {{ in_12m }} then daily.credit_incidents else 0 end) as credit_incidents_12m,
        sum(case when {{ in_12m }} then daily.consultations else 0 end) as consultations_12m,
        sum(case when {{ in_12m }} then daily.interactions else 0 end) as interactions_12m
    from bounds
    inner join daily
        on daily.activity_date <= bounds.snapshot_date
    group by bounds.snapshot_date, daily.customer_id
),

sums as (
    select
        dated_sums.*,
        {{ day_number('last_purchase_date') }} as last_purchase_day,
        {{ day_number('last_interaction_date') }} as last_interaction_day
    from dated_sums
),
{% else %}
events as (
    select
        customer_id,
        {{ day_number('activity_date') }} as day_no,
        {{ month_number('activity_date') }} as month_no,
        0 as is_snapshot, purchase_value, purchase_count,
        repeat_purchases, first_purchase_of_month, payments_due, payments_due_on_time,
        payments_paid, days_late_paid, credit_incidents, consultations, interactions
    from daily
    union all
    -- one marker row per customer and snapshot date: the windows are read off these rows
    select
        customers.customer_id,
        snapshot_dates.day_no,
        {{ month_number('snapshot_dates.snapshot_date') }},
        1,
        cast(0 as decimal(18, 2)), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    from customers
    cross join snapshot_dates
),

windowed as (
    select
        customer_id,
        day_no,
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
        sum(interactions) over last_365_days as interactions_12m
    from events
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
),

sums as (
    select
        snapshot_dates.snapshot_date,
        windowed.customer_id,
        windowed.purchase_value_12m,
        windowed.purchase_count_12m,
        windowed.purchase_value_prior_12m,
        windowed.cumulative_purchase_value,
        windowed.cumulative_purchase_count,
        windowed.last_purchase_day,
        windowed.last_interaction_day,
        windowed.active_months_to_date
            - coalesce(windowed.active_months_before_window, 0) as active_months_6m,
        windowed.repeat_purchases_12m,
        windowed.payments_due_12m,
        windowed.payments_on_time_12m,
        windowed.payments_paid_12m,
        windowed.days_late_paid_12m,
        windowed.credit_incidents_12m,
        windowed.consultations_12m,
        windowed.interactions_12m
    from windowed
    inner join snapshot_dates
        on windowed.day_no = snapshot_dates.day_no
    where windowed.is_snapshot = 1
),
{% endif %}

population as (
    select snapshot_dates.snapshot_date, snapshot_dates.day_no, customers.*
    from customers
    cross join snapshot_dates
)

select
    population.snapshot_date,
    population.customer_id,
    cast(coalesce(sums.purchase_value_12m, 0) as double) as purchase_value_12m,
    cast(coalesce(sums.purchase_count_12m, 0) as integer) as purchase_count_12m,
    cast(coalesce(sums.cumulative_purchase_value, 0) as double) as cumulative_purchase_value,
    cast(coalesce(sums.cumulative_purchase_count, 0) as integer) as cumulative_purchase_count,
    cast(sums.purchase_value_12m as double)
        / nullif(sums.purchase_count_12m, 0) as average_order_value_12m,
    population.day_no - sums.last_purchase_day as days_since_last_purchase,
    cast(coalesce(sums.active_months_6m, 0) as integer) as active_months_6m,
    cast(sums.repeat_purchases_12m as double)
        / nullif(sums.purchase_count_12m, 0) as repurchase_rate_12m,
    case when inventory.payments_supplied
        then cast(sums.payments_on_time_12m as double) / nullif(sums.payments_due_12m, 0)
    end as on_time_payment_rate_12m,
    case when inventory.payments_supplied
        then cast(sums.days_late_paid_12m as double) / nullif(sums.payments_paid_12m, 0)
    end as avg_days_late_12m,
    case when inventory.payments_supplied
        then cast(coalesce(sums.credit_incidents_12m, 0) as integer)
    end as credit_incidents_12m,
    case
        when population.partnership_start is null then null
        when population.partnership_start > population.snapshot_date then 0
        else cast({{ dbt.datediff('population.partnership_start', 'population.snapshot_date',
            'month') }} as integer)
    end as partnership_months,
    population.credit_rating_score,
    case when inventory.interactions_supplied
        then cast(coalesce(sums.consultations_12m, 0) as integer)
    end as consultation_count_12m,
    case when inventory.interactions_supplied
        then cast(coalesce(sums.interactions_12m, 0) as integer)
    end as interaction_count_12m,
    population.day_no - sums.last_interaction_day as days_since_last_interaction,
    (cast(sums.purchase_value_12m as double) - sums.purchase_value_prior_12m)
        / nullif(cast(sums.purchase_value_prior_12m as double), 0) as purchase_value_growth_12m
from population
left join sums
    on population.snapshot_date = sums.snapshot_date
    and population.customer_id = sums.customer_id
cross join {{ ref('int_landing_inventory') }} as inventory
