CREATE TABLE `runner_metrics` (
	`runner_id` text NOT NULL,
	`ts` integer NOT NULL,
	`metrics` text NOT NULL,
	PRIMARY KEY(`runner_id`, `ts`)
);
--> statement-breakpoint
ALTER TABLE `executions` ADD `repo` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `ref` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `attempt` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `executions` ADD `max_attempts` integer DEFAULT 2 NOT NULL;--> statement-breakpoint
ALTER TABLE `executions` ADD `retry_of` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `root_id` text;--> statement-breakpoint
CREATE UNIQUE INDEX `executions_root_attempt_idx` ON `executions` (`root_id`,`attempt`);