CREATE TABLE `audit_pending` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` text NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`resource` text,
	`request_id` text,
	`ip` text,
	`at` text NOT NULL,
	`detail` text
);
--> statement-breakpoint
CREATE INDEX `audit_pending_account` ON `audit_pending` (`account_id`,`id`);--> statement-breakpoint
ALTER TABLE `audit_log` ADD `entry_id` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `audit_log_entry` ON `audit_log` (`account_id`,`entry_id`);