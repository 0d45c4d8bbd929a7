{#-
  The BI marts add up, on the run's dates: grade_summary and salesperson_portfolio hold exactly
  customer_grades' customers and revenue per model and date; grade_movements, the per-grade
  movements and the transition matrix count exactly grade_transitions' rows by direction.
  Returns one row per (check, snapshot_date, grading_model) that does not add up.
-#}
with grades as (
    select snapshot_date, grading_model, count(*) as customers,
        sum(coalesce(purchase_value_12m, 0)) as revenue
    from {{ ref('customer_grades') }}
    where snapshot_date between {{ snapshot_start() }} and {{ snapshot_end() }}
    group by snapshot_date, grading_model
),

summary as (
    select snapshot_date, grading_model, sum(customers) as customers, sum(revenue_12m) as revenue
    from {{ ref('grade_summary') }}
    where snapshot_date between {{ snapshot_start() }} and {{ snapshot_end() }}
    group by snapshot_date, grading_model
),

portfolio as (
    select snapshot_date, grading_model, sum(customers) as customers, sum(revenue_12m) as revenue
    from {{ ref('salesperson_portfolio') }}
    where snapshot_date between {{ snapshot_start() }} and {{ snapshot_end() }}
    group by snapshot_date, grading_model
),

transitions as (
    select snapshot_date, grading_model,
        sum(case when direction = 'upgrade' then 1 else 0 end) as upgrades,
        sum(case when direction = 'downgrade' then 1 else 0 end) as downgrades,
        sum(case when direction = 'new' then 1 else 0 end) as new_customers,
        sum(case when direction = 'exited' then 1 else 0 end) as exited_customers,
        count(*) as moves
    from {{ ref('grade_transitions') }}
    where snapshot_date between {{ snapshot_start() }} and {{ snapshot_end() }}
    group by snapshot_date, grading_model
),

by_grade as (
    select snapshot_date, grading_model,
        sum(upgraded_in) as upgrades, sum(upgraded_out) as upgrades_out,
        sum(downgraded_in) as downgrades, sum(downgraded_out) as downgrades_out,
        sum(new_customers) as new_customers, sum(exited_customers) as exited_customers
    from {{ ref('grade_movements_by_grade') }}
    where snapshot_date between {{ snapshot_start() }} and {{ snapshot_end() }}
    group by snapshot_date, grading_model
),

matrix as (
    select snapshot_date, grading_model, sum(customers) as moves
    from {{ ref('grade_transition_matrix') }}
    where snapshot_date between {{ snapshot_start() }} and {{ snapshot_end() }}
    group by snapshot_date, grading_model
),

checks as (
    select 'grade_summary customers' as check_name, grades.snapshot_date, grades.grading_model
    from grades
    left join summary
        on grades.snapshot_date = summary.snapshot_date
        and grades.grading_model = summary.grading_model
    where summary.customers is null or summary.customers <> grades.customers
        or abs(summary.revenue - grades.revenue) > 0.01
    union all
    select 'salesperson_portfolio customers', grades.snapshot_date, grades.grading_model
    from grades
    left join portfolio
        on grades.snapshot_date = portfolio.snapshot_date
        and grades.grading_model = portfolio.grading_model
    where portfolio.customers is null or portfolio.customers <> grades.customers
        or abs(portfolio.revenue - grades.revenue) > 0.01
    union all
    select 'grade_movements', transitions.snapshot_date, transitions.grading_model
    from transitions
    left join {{ ref('grade_movements') }} as movements
        on transitions.snapshot_date = movements.snapshot_date
        and transitions.grading_model = movements.grading_model
    where movements.upgrades is null
        or movements.upgrades <> transitions.upgrades
        or movements.downgrades <> transitions.downgrades
        or movements.new_customers <> transitions.new_customers
        or movements.exited_customers <> transitions.exited_customers
    union all
    select 'grade_movements_by_grade', transitions.snapshot_date, transitions.grading_model
    from transitions
    left join by_grade
        on transitions.snapshot_date = by_grade.snapshot_date
        and transitions.grading_model = by_grade.grading_model
    where by_grade.upgrades is null
        or by_grade.upgrades <> transitions.upgrades
        or by_grade.upgrades_out <> transitions.upgrades
        or by_grade.downgrades <> transitions.downgrades
        or by_grade.downgrades_out <> transitions.downgrades
        or by_grade.new_customers <> transitions.new_customers
        or by_grade.exited_customers <> transitions.exited_customers
    union all
    select 'grade_transition_matrix', transitions.snapshot_date, transitions.grading_model
    from transitions
    left join matrix
        on transitions.snapshot_date = matrix.snapshot_date
        and transitions.grading_model = matrix.grading_model
    where matrix.moves is null or matrix.moves <> transitions.moves
)

select * from checks
