CREATE TABLE `budgets` (
	`scope` text PRIMARY KEY NOT NULL,
	`period` text NOT NULL,
	`soft_limit_usd` real,
	`hard_limit_usd` real,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `execution_costs` (
	`execution_id` text NOT NULL,
	`model` text NOT NULL,
	`day` text NOT NULL,
	`agent` text NOT NULL,
	`runner_id` text,
	`input_tokens` integer NOT NULL,
	`output_tokens` integer NOT NULL,
	`cache_read_input_tokens` integer NOT NULL,
	`cache_creation_5m_input_tokens` integer NOT NULL,
	`cache_creation_1h_input_tokens` integer NOT NULL,
	`cost_usd` real NOT NULL,
	`estimated` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`execution_id`, `model`)
);
--> statement-breakpoint
CREATE INDEX `execution_costs_day_idx` ON `execution_costs` (`day`,`model`);--> statement-breakpoint
CREATE INDEX `execution_costs_agent_day_idx` ON `execution_costs` (`agent`,`day`);--> statement-breakpoint
ALTER TABLE `executions` ADD `cost_estimated_usd` real;--> statement-breakpoint
ALTER TABLE `executions` ADD `cost_is_estimate` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `executions` ADD `agent` text DEFAULT 'default' NOT NULL;--> statement-breakpoint
ALTER TABLE `executions` ADD `blocked_reason` text;