{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='snapshot_date',
    )
}}
{#-
  Every alert the models' rules (stg_model_alert_rules) raise on this run's snapshot dates, one
  row per (snapshot_date, grading_model, customer_id, rule) with a deterministic alert_key, the
  recipient, what changed and the dimensions that moved most. Delivery state is NOT here (see
  marts.grade_alerts): re-running a date rebuilds these rows with the same keys.

  Rules (docs/alerts.md):
  - downgrade / upgrade: grade_transitions with that direction, except rule changes;
  - decline_streak: the score fell in each of the last consecutive_snapshots snapshots (same
    model version), raised on the snapshot the streak reaches that length;
  - decline_pct: the score is at least drop_pct % below the highest score of the model's
    snapshots in the within_days days before, raised when that becomes true (not while it stays);
  - key_account_inactivity: a grade in the rule's set and days_since_last_purchase >= the
    rule's days, raised when that becomes true.
-#}
{#- the oldest snapshot any rule reads: bounds every read of the grade and score history -#}
{%- set history_from = 'cast(' ~ sql_string(alert_history_start()) ~ ' as date)' %}
{#- a few dates or a range: the choice int_customer_metrics makes (macros/snapshot_range.sql) -#}
{%- set drop_strategy = metrics_strategy() %}

with rules as (
    select * from {{ ref('stg_model_alert_rules') }}
),

run_grades as (
    select grades.*
    from {{ ref('customer_grades') }} as grades
    inner join rules
        on grades.grading_model = rules.grading_model
    where grades.snapshot_date between {{ snapshot_start() }} and {{ snapshot_end() }}
),

grade_changes as (
    select
        transitions.snapshot_date,
        transitions.grading_model,
        transitions.customer_id,
        transitions.direction as rule,
        transitions.previous_snapshot_date as reference_date,
        {{ dbt.concat([
            "'grade '", "transitions.previous_grade", "' -> '", "transitions.grade",
            "' (score '", "cast(round(transitions.previous_score, 2) as " ~ dbt.type_string() ~ ")",
            "' -> '", "cast(round(transitions.score, 2) as " ~ dbt.type_string() ~ ")", "')'",
        ]) }} as reason
    from {{ ref('grade_transitions') }} as transitions
    inner join rules
        on transitions.grading_model = rules.grading_model
    where transitions.snapshot_date between {{ snapshot_start() }} and {{ snapshot_end() }}
        and not transitions.rule_change
        and (
            (transitions.direction = 'downgrade' and rules.alert_downgrade)
            or (transitions.direction = 'upgrade' and rules.alert_upgrade)
        )
),

streak_dates as (
    -- the run date itself (steps_back 0) and up to consecutive_snapshots + 1 snapshots before it
    select run_dates.grading_model, run_dates.snapshot_date, 0 as steps_back,
        run_dates.snapshot_date as history_date
    from (select distinct grading_model, snapshot_date from run_grades) as run_dates
    inner join rules
        on run_dates.grading_model = rules.grading_model
    where rules.decline_snapshots is not null
    union all
    select history.grading_model, history.snapshot_date, history.steps_back,
        history.history_date
    from {{ model_snapshot_history(
        "(select coalesce(max(decline_snapshots), 0) + 1 from " ~ ref('stg_model_alert_rules') ~ ")"
    ) }} as history
    inner join rules
        on history.grading_model = rules.grading_model
    where history.steps_back <= rules.decline_snapshots + 1
),

streak_scores as (
    select
        streak_dates.grading_model,
        streak_dates.snapshot_date,
        streak_dates.steps_back,
        streak_dates.history_date,
        grades.customer_id,
        grades.score,
        lead(grades.score) over older as older_score,
        lead(streak_dates.steps_back) over older as older_steps_back,
        lead(grades.model_version) over older as older_version,
        grades.model_version
    from streak_dates
    inner join {{ ref('customer_grades') }} as grades
        on streak_dates.grading_model = grades.grading_model
        and streak_dates.history_date = grades.snapshot_date
    where grades.snapshot_date between {{ history_from }} and {{ snapshot_end() }}
    window older as (
        partition by streak_dates.grading_model, streak_dates.snapshot_date, grades.customer_id
        order by streak_dates.steps_back
    )
),

streaks as (
    select
        streak_scores.grading_model,
        streak_scores.snapshot_date,
        streak_scores.customer_id,
        rules.decline_snapshots,
        sum(case
            when streak_scores.steps_back < rules.decline_snapshots
                and streak_scores.older_steps_back = streak_scores.steps_back + 1
                and streak_scores.older_version = streak_scores.model_version
                and streak_scores.score < streak_scores.older_score then 1 else 0
        end) as falls,
        sum(case
            when streak_scores.steps_back = rules.decline_snapshots
                and streak_scores.older_steps_back = streak_scores.steps_back + 1
                and streak_scores.older_version = streak_scores.model_version
                and streak_scores.score < streak_scores.older_score then 1 else 0
        end) as fell_before,
        max(case when streak_scores.steps_back = 0 then streak_scores.score end) as score,
        max(case
            when streak_scores.steps_back = rules.decline_snapshots then streak_scores.score
        end) as start_score,
        max(case
            when streak_scores.steps_back = rules.decline_snapshots
                then streak_scores.history_date
        end) as reference_date
    from streak_scores
    inner join rules
        on streak_scores.grading_model = rules.grading_model
    group by
        streak_scores.grading_model,
        streak_scores.snapshot_date,
        streak_scores.customer_id,
        rules.decline_snapshots
),

decline_streaks as (
    select
        snapshot_date,
        grading_model,
        customer_id,
        'decline_streak' as rule,
        reference_date,
        {{ dbt.concat([
            "'score fell in each of the last '",
            "cast(decline_snapshots as " ~ dbt.type_string() ~ ")",
            "' snapshots: '", "cast(round(start_score, 2) as " ~ dbt.type_string() ~ ")",
            "' -> '", "cast(round(score, 2) as " ~ dbt.type_string() ~ ")",
        ]) }} as reason
    from streaks
    -- the streak reaches its length today (a longer streak alerted when it reached it)
    where falls = decline_snapshots and fell_before = 0
),

drop_dates as (
    -- the run dates and the snapshot before each: a drop alerts when it is new
    select distinct run_grades.grading_model, run_grades.snapshot_date as evaluated_date,
        run_grades.snapshot_date
    from run_grades
    inner join rules
        on run_grades.grading_model = rules.grading_model
    where rules.decline_drop_pct is not null
    union all
    select history.grading_model, history.history_date as evaluated_date, history.snapshot_date
    from {{ model_snapshot_history(1) }} as history
    inner join rules
        on history.grading_model = rules.grading_model
    where rules.decline_drop_pct is not null
),

{% if drop_strategy == 'aggregate' %}
drop_history as (
    -- a few run dates: each evaluated date's own score and the highest score of the
    -- decline_within_days before it (same model version), as one grouped aggregate over the
    -- snapshots of that window. The window frame below serves every date of a range in one
    -- pass, but for the one or two dates a daily run evaluates it sorted every customer's
    -- snapshots of the window: 4.2 s for 9 million grades at 1,000,000 customers with a month
    -- of snapshots stored (docs/benchmarks.md)
    select
        grades.grading_model,
        grades.customer_id,
        grades.model_version,
        evaluated.evaluated_date as snapshot_date,
        max(case when grades.snapshot_date = evaluated.evaluated_date then grades.score end)
            as score,
        rules.decline_drop_pct,
        rules.decline_within_days,
        max(case when grades.snapshot_date < evaluated.evaluated_date then grades.score end)
            as best_earlier_score
    from (select distinct grading_model, evaluated_date from drop_dates) as evaluated
    inner join rules
        on evaluated.grading_model = rules.grading_model
    inner join {{ ref('customer_grades') }} as grades
        on evaluated.grading_model = grades.grading_model
        and grades.snapshot_date <= evaluated.evaluated_date
        and grades.snapshot_date >= {{ shifted_date(
            'day', '-1 * rules.decline_within_days', 'evaluated.evaluated_date') }}
    where rules.decline_drop_pct is not null
        and grades.snapshot_date between {{ history_from }} and {{ snapshot_end() }}
    group by
        grades.grading_model, grades.customer_id, grades.model_version,
        evaluated.evaluated_date, rules.decline_drop_pct, rules.decline_within_days
),
{% else %}
drop_span as (
    -- per model, the oldest date evaluated: the history the window below needs starts
    -- decline_within_days before it
    select drop_dates.grading_model, min(drop_dates.evaluated_date) as first_evaluated
    from drop_dates
    group by drop_dates.grading_model
),

drop_history as (
    -- the highest earlier score within the window, for every snapshot from one pass of a range
    -- frame over the customer's snapshots (same model version): pairing each date with every
    -- earlier date instead grew with dates x window x customers (105 s of the 296 s dbt build
    -- of a 10,000-customer 365-date backfill, docs/benchmarks.md)
    select
        grades.grading_model,
        grades.customer_id,
        grades.model_version,
        grades.snapshot_date,
        grades.score,
        rules.decline_drop_pct,
        rules.decline_within_days,
        max(grades.score) over (
            partition by grades.grading_model, grades.customer_id, grades.model_version
            order by {{ day_number('grades.snapshot_date') }}
            range between rules.decline_within_days preceding and 1 preceding
        ) as best_earlier_score
    from {{ ref('customer_grades') }} as grades
    inner join rules
        on grades.grading_model = rules.grading_model
    inner join drop_span
        on grades.grading_model = drop_span.grading_model
    where rules.decline_drop_pct is not null
        and grades.snapshot_date
            >= {{ shifted_date('day', '-1 * rules.decline_within_days', 'drop_span.first_evaluated') }}
        and grades.snapshot_date between {{ history_from }} and {{ snapshot_end() }}
),
{% endif %}

best_earlier as (
    -- the evaluated snapshots whose score is deep enough below the best earlier one (few rows)
    select
        drop_history.grading_model,
        drop_dates.snapshot_date,
        drop_dates.evaluated_date,
        drop_history.customer_id,
        drop_history.model_version,
        drop_history.score,
        drop_history.decline_drop_pct,
        drop_history.decline_within_days,
        drop_history.best_earlier_score as earlier_score
    from drop_history
    inner join drop_dates
        on drop_history.grading_model = drop_dates.grading_model
        and drop_history.snapshot_date = drop_dates.evaluated_date
    where drop_history.best_earlier_score > 0
        and 100.0 * (drop_history.best_earlier_score - drop_history.score)
            / drop_history.best_earlier_score >= drop_history.decline_drop_pct
),

drops as (
    select
        best_earlier.grading_model,
        best_earlier.snapshot_date,
        best_earlier.evaluated_date,
        best_earlier.customer_id,
        best_earlier.score,
        -- the earliest snapshot in the window that had the highest score
        min(earlier.snapshot_date) as earlier_date,
        best_earlier.earlier_score,
        best_earlier.decline_drop_pct,
        best_earlier.decline_within_days,
        100.0 * (best_earlier.earlier_score - best_earlier.score) / best_earlier.earlier_score
            as drop_pct
    from best_earlier
    inner join {{ ref('customer_grades') }} as earlier
        on best_earlier.grading_model = earlier.grading_model
        and best_earlier.customer_id = earlier.customer_id
        and best_earlier.model_version = earlier.model_version
        and best_earlier.earlier_score = earlier.score
    where earlier.snapshot_date < best_earlier.evaluated_date
        and earlier.snapshot_date >= {{ shifted_date(
            'day', '-1 * best_earlier.decline_within_days', 'best_earlier.evaluated_date') }}
        and earlier.snapshot_date between {{ history_from }} and {{ snapshot_end() }}
    group by
        best_earlier.grading_model, best_earlier.snapshot_date, best_earlier.evaluated_date,
        best_earlier.customer_id, best_earlier.score, best_earlier.earlier_score,
        best_earlier.decline_drop_pct, best_earlier.decline_within_days
),

decline_drops as (
    select
        today.snapshot_date,
        today.grading_model,
        today.customer_id,
        'decline_pct' as rule,
        today.earlier_date as reference_date,
        {{ dbt.concat([
            "'score fell '", "cast(round(today.drop_pct, 1) as " ~ dbt.type_string() ~ ")",
            "'% within '", "cast(today.decline_within_days as " ~ dbt.type_string() ~ ")",
            "' days: '", "cast(round(today.earlier_score, 2) as " ~ dbt.type_string() ~ ")",
            "' on '", "cast(today.earlier_date as " ~ dbt.type_string() ~ ")",
            "' -> '", "cast(round(today.score, 2) as " ~ dbt.type_string() ~ ")",
        ]) }} as reason
    from drops as today
    left join drops as before
        on today.grading_model = before.grading_model
        and today.snapshot_date = before.snapshot_date
        and today.customer_id = before.customer_id
        and before.evaluated_date < before.snapshot_date
    where today.evaluated_date = today.snapshot_date
        and before.customer_id is null
),

inactive as (
    select
        run_grades.snapshot_date,
        run_grades.grading_model,
        run_grades.customer_id,
        'key_account_inactivity' as rule,
        transitions.previous_snapshot_date as reference_date,
        {{ dbt.concat([
            "'key account (grade '", "run_grades.grade", "') without a purchase for '",
            "cast(metrics.days_since_last_purchase as " ~ dbt.type_string() ~ ")",
            "' days'",
        ]) }} as reason
    from run_grades
    inner join rules
        on run_grades.grading_model = rules.grading_model
    inner join {{ ref('stg_model_alert_grades') }} as key_grades
        on run_grades.grading_model = key_grades.grading_model
        and run_grades.grade = key_grades.grade
    inner join {{ ref('int_customer_metrics') }} as metrics
        on run_grades.snapshot_date = metrics.snapshot_date
        and run_grades.customer_id = metrics.customer_id
    left join {{ ref('grade_transitions') }} as transitions
        on run_grades.snapshot_date = transitions.snapshot_date
        and run_grades.grading_model = transitions.grading_model
        and run_grades.customer_id = transitions.customer_id
    left join {{ ref('stg_model_alert_grades') }} as previous_key_grades
        on transitions.grading_model = previous_key_grades.grading_model
        and transitions.previous_grade = previous_key_grades.grade
    where metrics.days_since_last_purchase >= rules.inactivity_days
        -- new today: not already an inactive key account at the previous snapshot
        and not coalesce(
            previous_key_grades.grade is not null
            and metrics.days_since_last_purchase
                - {{ dbt.datediff('transitions.previous_snapshot_date', 'run_grades.snapshot_date', 'day') }}
                >= rules.inactivity_days,
            false
        )
),

alerts as (
    select * from grade_changes
    union all
    select * from decline_streaks
    union all
    select * from decline_drops
    union all
    select * from inactive
),

alert_dates as (
    -- the (date, customer) pairs whose dimension scores the alerts compare
    select snapshot_date as score_date, grading_model, customer_id from alerts
    union
    select reference_date, grading_model, customer_id from alerts where reference_date is not null
),

alert_scores as materialized (
    -- the few alerted customers' node scores first (materialized, so the join is planned
    -- against the small alert side): joining the alerts to the customer_dimension_scores view
    -- let DuckDB build the view's whole history as a hash table (8 GB spilled in a 10k x 365
    -- backfill)
    select
        scores.snapshot_date, scores.grading_model, scores.customer_id, scores.node_id,
        scores.score
    from {{ ref('int_node_score_history') }} as scores
    inner join alert_dates
        on scores.snapshot_date = alert_dates.score_date
        and scores.grading_model = alert_dates.grading_model
        and scores.customer_id = alert_dates.customer_id
    where scores.snapshot_date between {{ history_from }} and {{ snapshot_end() }}
),

alert_dimensions as (
    select alert_scores.snapshot_date, alert_scores.grading_model, alert_scores.customer_id,
        nodes.dimension, alert_scores.score * nodes.effective_weight as weighted_score
    from alert_scores
    inner join {{ ref('int_model_snapshot_dates') }} as versions
        on alert_scores.grading_model = versions.grading_model
        and alert_scores.snapshot_date = versions.snapshot_date
    inner join {{ ref('int_model_node_history') }} as nodes
        on alert_scores.grading_model = nodes.grading_model
        and versions.model_version = nodes.model_version
        and alert_scores.node_id = nodes.node_id
    where nodes.node_type = 'dimension'
),

moves as (
    select
        alerts.snapshot_date,
        alerts.grading_model,
        alerts.customer_id,
        alerts.rule,
        now_scores.dimension,
        now_scores.weighted_score - then_scores.weighted_score as moved
    from alerts
    inner join alert_dimensions as now_scores
        on alerts.snapshot_date = now_scores.snapshot_date
        and alerts.grading_model = now_scores.grading_model
        and alerts.customer_id = now_scores.customer_id
    inner join alert_dimensions as then_scores
        on alerts.reference_date = then_scores.snapshot_date
        and alerts.grading_model = then_scores.grading_model
        and alerts.customer_id = then_scores.customer_id
        and now_scores.dimension = then_scores.dimension
    where abs(now_scores.weighted_score - then_scores.weighted_score) >= 0.005
),

top_moves as (
    select
        snapshot_date,
        grading_model,
        customer_id,
        rule,
        {{ dbt.listagg(
            dbt.concat([
                "dimension", "' '",
                "case when moved > 0 then '+' else '' end",
                "cast(round(moved, 2) as " ~ dbt.type_string() ~ ")",
            ]),
            "', '",
            "order by abs(moved) desc, dimension",
            3,
        ) }} as top_dimensions
    from moves
    group by snapshot_date, grading_model, customer_id, rule
)

select
    {{ dbt.hash(dbt.concat([
        "alerts.grading_model", "'|'", "alerts.customer_id", "'|'",
        "cast(alerts.snapshot_date as " ~ dbt.type_string() ~ ")", "'|'", "alerts.rule",
    ])) }} as alert_key,
    alerts.snapshot_date,
    alerts.grading_model,
    alerts.customer_id,
    customers.customer_name,
    alerts.rule,
    grades.grade,
    grades.score,
    alerts.reason,
    top_moves.top_dimensions,
    alerts.reference_date,
    customers.owner_id,
    customers.owner_name,
    coalesce(customers.owner_email, rules.fallback_recipient) as recipient,
    customers.owner_email is null as to_fallback_recipient
from alerts
inner join rules
    on alerts.grading_model = rules.grading_model
inner join {{ ref('int_customers') }} as customers
    on alerts.customer_id = customers.customer_id
inner join {{ ref('customer_grades') }} as grades
    on alerts.snapshot_date = grades.snapshot_date
    and alerts.grading_model = grades.grading_model
    and alerts.customer_id = grades.customer_id
    -- the run's dates as constants, read in the scan: DuckDB otherwise built its hash table
    -- from every stored grade (7.8 s at 1,000,000 customers with 31 snapshots stored)
    and grades.snapshot_date between {{ snapshot_start() }} and {{ snapshot_end() }}
left join top_moves
    on alerts.snapshot_date = top_moves.snapshot_date
    and alerts.grading_model = top_moves.grading_model
    and alerts.customer_id = top_moves.customer_id
    and alerts.rule = top_moves.rule
