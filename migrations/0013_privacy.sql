CREATE TABLE `privacy_tombstones` (
	`account_id` text NOT NULL,
	`phone_hash` text NOT NULL,
	`do_not_call` integer NOT NULL,
	`refused_consent_types` text NOT NULL,
	`erased_at` text NOT NULL,
	PRIMARY KEY(`account_id`, `phone_hash`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `retention_policies` (
	`account_id` text PRIMARY KEY NOT NULL,
	`transcripts_days` integer,
	`recordings_days` integer,
	`call_events_days` integer,
	`analysis_days` integer,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `retention_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account_id` text NOT NULL,
	`ran_at` text NOT NULL,
	`cutoffs` text NOT NULL,
	`deleted` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `retention_runs_account` ON `retention_runs` (`account_id`,`ran_at`);