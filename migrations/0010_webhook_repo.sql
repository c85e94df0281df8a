ALTER TABLE `webhooks` ADD `repo` text;--> statement-breakpoint
ALTER TABLE `webhooks` ADD `ref` text;