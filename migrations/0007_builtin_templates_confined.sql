-- The built-in read-only templates reach nothing but the runner's model proxy; pr-reviewer reads untrusted diffs,
-- so it only ever runs confined.
UPDATE `agents` SET `network` = '"model-only"', `require_sandbox` = 1 WHERE `name` = 'pr-reviewer' AND `builtin` = 1;--> statement-breakpoint
UPDATE `agents` SET `network` = '"model-only"' WHERE `name` = 'system-health-reporter' AND `builtin` = 1;
