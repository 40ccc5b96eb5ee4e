CREATE TABLE `accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`region` text DEFAULT 'us' NOT NULL,
	`max_concurrent_calls` integer DEFAULT 10 NOT NULL,
	`credit_cents` integer,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `agent_versions` (
	`agent_id` text NOT NULL,
	`version` integer NOT NULL,
	`account_id` text NOT NULL,
	`config` text NOT NULL,
	`published_by` text NOT NULL,
	`published_at` text NOT NULL,
	PRIMARY KEY(`agent_id`, `version`),
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `agents` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`name` text NOT NULL,
	`status` text DEFAULT 'active' NOT NULL,
	`draft` text NOT NULL,
	`live_version` integer,
	`latest_version` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `agents_account` ON `agents` (`account_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`name` text NOT NULL,
	`prefix` text NOT NULL,
	`hash` text NOT NULL,
	`scopes` text NOT NULL,
	`created_by` text,
	`created_at` text NOT NULL,
	`last_used_at` text,
	`revoked_at` text,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_hash` ON `api_keys` (`hash`);--> statement-breakpoint
CREATE INDEX `api_keys_account` ON `api_keys` (`account_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`account_id` text NOT NULL,
	`seq` integer NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`resource` text,
	`request_id` text,
	`ip` text,
	`at` text NOT NULL,
	`detail` text,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL,
	PRIMARY KEY(`account_id`, `seq`)
);
--> statement-breakpoint
CREATE TABLE `call_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`call_id` text NOT NULL,
	`account_id` text NOT NULL,
	`type` text NOT NULL,
	`at` text NOT NULL,
	`data` text
);
--> statement-breakpoint
CREATE INDEX `call_events_call` ON `call_events` (`call_id`,`id`);--> statement-breakpoint
CREATE TABLE `call_turns` (
	`call_id` text NOT NULL,
	`seq` integer NOT NULL,
	`account_id` text NOT NULL,
	`role` text NOT NULL,
	`text` text NOT NULL,
	`interrupted` integer DEFAULT false NOT NULL,
	`started_at` text NOT NULL,
	`ended_at` text,
	`timings` text,
	`voice_to_voice_ms` integer,
	`platform_overhead_ms` integer,
	PRIMARY KEY(`call_id`, `seq`),
	FOREIGN KEY (`call_id`) REFERENCES `calls`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `calls` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`agent_id` text NOT NULL,
	`agent_version` integer NOT NULL,
	`direction` text NOT NULL,
	`from_number` text NOT NULL,
	`to_number` text NOT NULL,
	`twilio_call_sid` text,
	`status` text NOT NULL,
	`created_at` text NOT NULL,
	`started_at` text,
	`answered_at` text,
	`ended_at` text,
	`duration_seconds` integer,
	`end_reason` text,
	`answered_by` text,
	`recording_sid` text,
	`recording_status` text,
	`metrics` text,
	`usage` text,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `calls_account_created` ON `calls` (`account_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `calls_twilio_sid` ON `calls` (`twilio_call_sid`);--> statement-breakpoint
CREATE TABLE `consent_records` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`phone` text NOT NULL,
	`consent_type` text NOT NULL,
	`status` text NOT NULL,
	`source` text NOT NULL,
	`captured_at` text NOT NULL,
	`expires_at` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `consent_lookup` ON `consent_records` (`account_id`,`phone`,`consent_type`,`captured_at`);--> statement-breakpoint
CREATE TABLE `do_not_call` (
	`account_id` text NOT NULL,
	`phone` text NOT NULL,
	`reason` text,
	`created_at` text NOT NULL,
	PRIMARY KEY(`account_id`, `phone`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`account_id` text NOT NULL,
	`key` text NOT NULL,
	`request_hash` text NOT NULL,
	`status` integer,
	`response_body` text,
	`response_headers` text,
	`created_at` text NOT NULL,
	PRIMARY KEY(`account_id`, `key`)
);
--> statement-breakpoint
CREATE TABLE `phone_numbers` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`e164` text NOT NULL,
	`source` text NOT NULL,
	`agent_id` text,
	`status` text DEFAULT 'active' NOT NULL,
	`provider_sid` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `phone_numbers_active_e164` ON `phone_numbers` (`e164`) WHERE status = 'active';--> statement-breakpoint
CREATE INDEX `phone_numbers_account` ON `phone_numbers` (`account_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `provider_credentials` (
	`account_id` text NOT NULL,
	`provider` text NOT NULL,
	`external_id` text NOT NULL,
	`secret_ciphertext` text NOT NULL,
	`secret_key_id` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`account_id`, `provider`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `provider_credentials_external` ON `provider_credentials` (`provider`,`external_id`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`email` text NOT NULL,
	`name` text,
	`role` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_account_email` ON `users` (`account_id`,`email`);