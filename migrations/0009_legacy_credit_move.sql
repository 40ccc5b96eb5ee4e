-- Retires the prepaid model of accounts.credit_cents: every balance moves to legacy_credit_balances, from which
-- the billing job (workers/billing/legacy-credit-migration.ts) posts it to the ledger as an opening balance.
-- Cleared here, so the balance lives in one place only.
INSERT OR IGNORE INTO `legacy_credit_balances` (`account_id`, `credit_cents`) SELECT `id`, `credit_cents` FROM `accounts` WHERE `credit_cents` IS NOT NULL;--> statement-breakpoint
UPDATE `accounts` SET `credit_cents` = NULL WHERE `credit_cents` IS NOT NULL;
