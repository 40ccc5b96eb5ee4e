CREATE TABLE `workflow_dial_intents` (
	`run_id` text NOT NULL,
	`position` integer NOT NULL,
	`call_id` text NOT NULL,
	`intent_at` integer NOT NULL,
	`call_sid` text,
	PRIMARY KEY(`run_id`, `position`)
);
--> statement-breakpoint
ALTER TABLE `workflow_runs` ADD `event` text;