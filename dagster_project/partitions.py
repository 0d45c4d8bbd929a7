"""The snapshot calendar: one partition per snapshot date."""

from __future__ import annotations

import os

from dagster import BackfillPolicy, DailyPartitionsDefinition

# end_offset=1 makes today's date gradable on demand; the schedule grades yesterday.
snapshot_partitions = DailyPartitionsDefinition(
    start_date=os.environ.get("GRADING_PARTITION_START", "2020-01-01"),
    end_offset=1,
)

# A backfill of many dates is one run that grades the whole range in one set-based dbt pass.
single_run_backfill = BackfillPolicy.single_run()

# Set when a run is one piece of a longer range: the last date of the whole range, so alert
# delivery keeps the range's window and does not send each piece's "recent" alerts.
ALERT_WINDOW_END_TAG = "grading/alert_window_end"

# Every asset that opens the warehouse runs in this pool; give it a limit of 1 in the instance
# (dagster_home/dagster.yaml) so runs queue instead of contending for the DuckDB file.
WAREHOUSE_POOL = "warehouse"
