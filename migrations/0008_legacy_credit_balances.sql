CREATE TABLE `legacy_credit_balances` (
	`account_id` text PRIMARY KEY NOT NULL,
	`credit_cents` integer NOT NULL
);
