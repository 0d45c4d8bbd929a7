{{ config(materialized='view') }}
{#-
  Every alert with its delivery state: the candidates dbt computes (int_grade_alert_candidates)
  joined with what the Dagster asset `alert_delivery` recorded per channel in
  alerting.alert_deliveries, a table dbt never builds. A view, so it always shows the latest
  delivery state and a rebuild never touches that state.
  status: sent (every channel it was tried on succeeded), failed (a channel failed; it is
  retried on the next run), pending (not tried yet, or no notification URL is configured).
-#}
with deliveries as (
    select
        alert_key,
        count(*) as channels_tried,
        sum(case when status = 'sent' then 1 else 0 end) as channels_sent,
        sum(case when status = 'failed' then 1 else 0 end) as channels_failed,
        max(attempts) as attempts,
        max(case when status = 'failed' then last_error end) as last_error,
        max(last_attempt_at) as last_attempt_at,
        max(sent_at) as sent_at
    from {{ source('alerting', 'alert_deliveries') }}
    group by alert_key
)

select
    alerts.*,
    case
        when deliveries.channels_failed > 0 then 'failed'
        when deliveries.channels_sent > 0 then 'sent'
        else 'pending'
    end as status,
    coalesce(deliveries.attempts, 0) as attempts,
    coalesce(deliveries.channels_sent, 0) as channels_sent,
    coalesce(deliveries.channels_failed, 0) as channels_failed,
    deliveries.last_error,
    deliveries.last_attempt_at,
    deliveries.sent_at
from {{ ref('int_grade_alert_candidates') }} as alerts
left join deliveries
    on alerts.alert_key = deliveries.alert_key
