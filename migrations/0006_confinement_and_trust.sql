ALTER TABLE `agents` ADD `network` text;--> statement-breakpoint
ALTER TABLE `agents` ADD `limits` text;--> statement-breakpoint
ALTER TABLE `agents` ADD `require_sandbox` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `agents` ADD `secrets` text;--> statement-breakpoint
ALTER TABLE `api_tokens` ADD `admin_token_hash` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `network` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `limits` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `require_sandbox` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `executions` ADD `secrets` text;--> statement-breakpoint
ALTER TABLE `executions` ADD `sandbox` text;--> statement-breakpoint
ALTER TABLE `registration_tokens` ADD `labels` text;--> statement-breakpoint
ALTER TABLE `registration_tokens` ADD `max_concurrent` integer;--> statement-breakpoint
ALTER TABLE `runners` ADD `sandbox` text;--> statement-breakpoint
ALTER TABLE `runners` ADD `revoked_at` integer;