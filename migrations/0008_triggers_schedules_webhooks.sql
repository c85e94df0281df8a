CREATE TABLE `schedule_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`schedule_id` text NOT NULL,
	`due_at` integer NOT NULL,
	`fired_at` integer NOT NULL,
	`outcome` text NOT NULL,
	`reason` text,
	`execution_id` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `schedule_runs_due_idx` ON `schedule_runs` (`schedule_id`,`due_at`);--> statement-breakpoint
CREATE INDEX `schedule_runs_fired_idx` ON `schedule_runs` (`schedule_id`,`fired_at`);--> statement-breakpoint
CREATE TABLE `schedules` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`cron` text NOT NULL,
	`timezone` text DEFAULT 'UTC' NOT NULL,
	`target` text NOT NULL,
	`overlap` text DEFAULT 'skip' NOT NULL,
	`quiet_hours` text,
	`max_runs_per_day` integer,
	`missed` text DEFAULT 'skip' NOT NULL,
	`enabled` integer DEFAULT 1 NOT NULL,
	`next_run_at` integer,
	`last_run_at` integer,
	`builtin` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `schedules_name_unique` ON `schedules` (`name`);--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`webhook_id` text NOT NULL,
	`delivery_id` text NOT NULL,
	`received_at` integer NOT NULL,
	`event` text,
	`action` text,
	`verified` integer NOT NULL,
	`outcome` text NOT NULL,
	`reason` text,
	`rule_index` integer,
	`rule_name` text,
	`execution_id` text,
	`headers` text,
	`body` text,
	`redelivery_of` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhook_deliveries_delivery_idx` ON `webhook_deliveries` (`webhook_id`,`delivery_id`);--> statement-breakpoint
CREATE INDEX `webhook_deliveries_received_idx` ON `webhook_deliveries` (`webhook_id`,`received_at`);--> statement-breakpoint
CREATE TABLE `webhooks` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`secret` text NOT NULL,
	`rules` text,
	`rate_limit_per_minute` integer NOT NULL,
	`rate_limit_per_day` integer NOT NULL,
	`enabled` integer DEFAULT 1 NOT NULL,
	`last_delivery_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webhooks_name_unique` ON `webhooks` (`name`);--> statement-breakpoint
ALTER TABLE `executions` ADD `trigger_kind` text DEFAULT 'api' NOT NULL;--> statement-breakpoint
ALTER TABLE `executions` ADD `trigger_id` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `trigger_detail` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `followup_of` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `conversation_id` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `resume_session_id` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `workspace_of` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `pinned_runner_id` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `open_pull_request` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `executions` ADD `pull_request` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `report_to` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `report` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `reported_at` integer;--> statement-breakpoint
CREATE INDEX `executions_trigger_created_idx` ON `executions` (`trigger_kind`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `executions_trigger_id_created_idx` ON `executions` (`trigger_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `executions_conversation_idx` ON `executions` (`conversation_id`,`created_at`);