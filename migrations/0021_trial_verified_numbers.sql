CREATE TABLE `verification_texts` (
	`message_sid` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`sent_at` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `verification_texts_account` ON `verification_texts` (`account_id`,`sent_at`);--> statement-breakpoint
CREATE TABLE `verified_numbers` (
	`account_id` text NOT NULL,
	`phone` text NOT NULL,
	`status` text NOT NULL,
	`code_hash` text,
	`code_expires_at` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`verified_at` text,
	PRIMARY KEY(`account_id`, `phone`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `accounts` ADD `trial_minutes` integer DEFAULT 60 NOT NULL;