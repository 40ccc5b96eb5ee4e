CREATE TABLE `dead_letters` (
	`queue` text NOT NULL,
	`message_id` text NOT NULL,
	`body` text NOT NULL,
	`first_failed_at` text NOT NULL,
	`last_failed_at` text NOT NULL,
	`attempts` integer NOT NULL,
	`redriven_at` text,
	PRIMARY KEY(`queue`, `message_id`)
);
--> statement-breakpoint
ALTER TABLE `calls` ADD `recording_duration_seconds` integer;--> statement-breakpoint
ALTER TABLE `calls` ADD `cost` text;--> statement-breakpoint
ALTER TABLE `accounts` DROP COLUMN `credit_cents`;--> statement-breakpoint
ALTER TABLE `usage_events` DROP COLUMN `charged_cents`;