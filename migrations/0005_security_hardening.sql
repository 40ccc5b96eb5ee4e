CREATE TABLE `security_event_counts` (
	`kind` text NOT NULL,
	`source` text NOT NULL,
	`minute` text NOT NULL,
	`count` integer NOT NULL,
	PRIMARY KEY(`kind`, `source`, `minute`)
);
--> statement-breakpoint
ALTER TABLE `idempotency_keys` ADD `principal` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `idempotency_keys` ADD `secret_withheld` integer DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX `idempotency_keys_created_at` ON `idempotency_keys` (`created_at`);