CREATE TABLE `security_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` text NOT NULL,
	`kind` text NOT NULL,
	`account_id` text,
	`ip` text,
	`path` text NOT NULL,
	`detail` text
);
--> statement-breakpoint
CREATE INDEX `security_events_at` ON `security_events` (`at`);