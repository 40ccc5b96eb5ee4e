CREATE TABLE `campaigns` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`name` text NOT NULL,
	`state` text NOT NULL,
	`paused_reason` text,
	`config` text NOT NULL,
	`contact_count` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `campaigns_account` ON `campaigns` (`account_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `campaigns_state` ON `campaigns` (`state`);--> statement-breakpoint
ALTER TABLE `accounts` ADD `reserved_inbound` integer DEFAULT 0 NOT NULL;