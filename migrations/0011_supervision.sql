ALTER TABLE `agents` ADD `checks` text;--> statement-breakpoint
ALTER TABLE `agents` ADD `review` text;--> statement-breakpoint
ALTER TABLE `agents` ADD `breakpoints` text;--> statement-breakpoint
ALTER TABLE `budgets` ADD `on_hard_limit` text DEFAULT 'cancel' NOT NULL;--> statement-breakpoint
ALTER TABLE `executions` ADD `checks` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `review` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `breakpoints` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `paused_reason` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `pause_message` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `resume_at` integer;--> statement-breakpoint
ALTER TABLE `executions` ADD `review_result` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `rewind` text;