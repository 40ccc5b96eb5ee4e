CREATE TABLE `usage_events` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`call_id` text NOT NULL,
	`ended_at` text NOT NULL,
	`duration_seconds` integer,
	`charged_cents` integer NOT NULL,
	`usage` text NOT NULL,
	`received_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `usage_events_account` ON `usage_events` (`account_id`,`ended_at`);