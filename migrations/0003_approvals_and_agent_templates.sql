CREATE TABLE `agents` (
	`name` text PRIMARY KEY NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`prompt` text NOT NULL,
	`model` text,
	`permissions` text,
	`max_turns` integer,
	`max_budget_usd` real,
	`labels` text NOT NULL,
	`repo` text,
	`ref` text,
	`append_system_prompt` text,
	`output_schema` text,
	`tools` text,
	`approval_timeout_seconds` integer,
	`host_snapshot` integer DEFAULT 0 NOT NULL,
	`builtin` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `approvals` (
	`id` text PRIMARY KEY NOT NULL,
	`execution_id` text NOT NULL,
	`agent` text NOT NULL,
	`tool` text NOT NULL,
	`input` text,
	`summary` text NOT NULL,
	`pattern` text NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`decision` text,
	`decided_by` text,
	`decided_at` integer,
	`message` text,
	`remember` text,
	`reason` text
);
--> statement-breakpoint
CREATE INDEX `approvals_status_created_idx` ON `approvals` (`status`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `approvals_execution_idx` ON `approvals` (`execution_id`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` text PRIMARY KEY NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`subject` text NOT NULL,
	`execution_id` text,
	`details` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_log_at_idx` ON `audit_log` (`at`,`id`);--> statement-breakpoint
CREATE INDEX `audit_log_execution_idx` ON `audit_log` (`execution_id`);--> statement-breakpoint
ALTER TABLE `executions` ADD `permissions` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `inputs` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `max_turns` integer;--> statement-breakpoint
ALTER TABLE `executions` ADD `append_system_prompt` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `output_schema` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `tools` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `approval_timeout_seconds` integer;--> statement-breakpoint
ALTER TABLE `executions` ADD `host_snapshot` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `executions_agent_created_idx` ON `executions` (`agent`,`created_at`,`id`);