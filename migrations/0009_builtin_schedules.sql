-- The built-in schedule (builtin = 1): the system-health-reporter every morning at 07:00 UTC, disabled until someone
-- enables it (PATCH /api/v1/schedules/system-health-reporter { "enabled": true }, the dashboard or
-- `claudeops schedules enable system-health-reporter`). Disabled, it has no next run.
INSERT INTO `schedules` (`id`, `name`, `cron`, `timezone`, `target`, `overlap`, `quiet_hours`, `max_runs_per_day`, `missed`, `enabled`, `next_run_at`, `last_run_at`, `builtin`, `created_at`, `updated_at`)
VALUES ('sch_0000000000systemhealth0000', 'system-health-reporter', '0 7 * * *', 'UTC', '{"agent":"system-health-reporter"}', 'skip', NULL, NULL, 'run-once', 0, NULL, NULL, 1, CAST(strftime('%s', 'now') AS INTEGER) * 1000, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
