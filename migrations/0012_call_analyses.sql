CREATE TABLE `call_analyses` (
	`call_id` text NOT NULL,
	`analysis_version` integer NOT NULL,
	`account_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`agent_version` integer NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`summary` text,
	`structured_data` text,
	`success` text,
	`succeeded` integer,
	`sentiment` text,
	`disposition` text,
	`model` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`input_tokens` integer DEFAULT 0 NOT NULL,
	`output_tokens` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`completed_at` text,
	PRIMARY KEY(`call_id`, `analysis_version`)
);
--> statement-breakpoint
CREATE INDEX `call_analyses_account_sentiment` ON `call_analyses` (`account_id`,`sentiment`);--> statement-breakpoint
CREATE INDEX `call_analyses_account_disposition` ON `call_analyses` (`account_id`,`disposition`);--> statement-breakpoint
CREATE INDEX `call_analyses_account_succeeded` ON `call_analyses` (`account_id`,`succeeded`);