CREATE TABLE `integration_connections` (
	`account_id` text NOT NULL,
	`integration` text NOT NULL,
	`status` text NOT NULL,
	`credentials` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `integration_connections_account` ON `integration_connections` (`account_id`,`integration`);--> statement-breakpoint
CREATE TABLE `workflow_run_steps` (
	`run_id` text NOT NULL,
	`position` integer NOT NULL,
	`step_id` text NOT NULL,
	`type` text NOT NULL,
	`status` text NOT NULL,
	`input` text NOT NULL,
	`output` text,
	`attempts` integer NOT NULL,
	`error` text,
	`started_at` text,
	`finished_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `workflow_run_steps_position` ON `workflow_run_steps` (`run_id`,`position`);--> statement-breakpoint
CREATE TABLE `workflow_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`workflow_id` text NOT NULL,
	`trigger_event_id` text NOT NULL,
	`trigger_type` text NOT NULL,
	`trigger_ref` text NOT NULL,
	`status` text NOT NULL,
	`error` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`finished_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `workflow_runs_event` ON `workflow_runs` (`workflow_id`,`trigger_event_id`);--> statement-breakpoint
CREATE INDEX `workflow_runs_workflow` ON `workflow_runs` (`account_id`,`workflow_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `workflows` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`name` text NOT NULL,
	`enabled` integer NOT NULL,
	`trigger` text NOT NULL,
	`trigger_type` text NOT NULL,
	`steps` text NOT NULL,
	`next_run_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `workflows_account` ON `workflows` (`account_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `workflows_trigger` ON `workflows` (`account_id`,`trigger_type`);--> statement-breakpoint
CREATE INDEX `workflows_next_run` ON `workflows` (`next_run_at`);