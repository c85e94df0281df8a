CREATE TABLE `api_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_hash_idx` ON `api_tokens` (`token_hash`);--> statement-breakpoint
CREATE TABLE `executions` (
	`id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`status_reason` text,
	`prompt` text NOT NULL,
	`model` text,
	`max_budget_usd` real,
	`labels` text NOT NULL,
	`runner_id` text,
	`created_at` integer NOT NULL,
	`assigned_at` integer,
	`started_at` integer,
	`finished_at` integer,
	`cost_usd` real,
	`cancel_requested_at` integer,
	`cancel_reason` text,
	`result` text,
	`last_seq` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `executions_created_idx` ON `executions` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `executions_status_created_idx` ON `executions` (`status`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `executions_runner_idx` ON `executions` (`runner_id`,`status`);--> statement-breakpoint
CREATE TABLE `registration_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	`runner_id` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `registration_tokens_hash_idx` ON `registration_tokens` (`token_hash`);--> statement-breakpoint
CREATE TABLE `runners` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`token_hash` text NOT NULL,
	`labels` text NOT NULL,
	`max_concurrent` integer NOT NULL,
	`version` text,
	`status` text NOT NULL,
	`last_heartbeat_at` integer,
	`metrics` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `runners_token_hash_idx` ON `runners` (`token_hash`);