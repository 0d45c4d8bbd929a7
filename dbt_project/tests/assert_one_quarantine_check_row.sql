{{ config(meta={'dagster': {'asset_key': ['intermediate', 'int_quarantined_events']}}) }}
-- The quarantine's last check is one row (entity NULL) carrying this run's state: none, and
-- the next run checks every event again; more, and a pre-hook left an old check behind.
select count(*) as check_rows
from {{ ref('int_quarantined_events') }}
where entity is null
having count(*) <> 1
    or max(checked_at) <> {{ run_started_timestamp() }}
