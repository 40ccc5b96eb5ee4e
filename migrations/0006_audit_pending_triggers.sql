-- Pending audit entries leave audit_pending only by being chained into audit_log, and nothing changes them on the way.
CREATE TRIGGER `audit_pending_no_update` BEFORE UPDATE ON `audit_pending`
BEGIN
	SELECT RAISE(ABORT, 'audit_pending entries cannot be changed');
END;
--> statement-breakpoint
CREATE TRIGGER `audit_pending_delete_only_chained` BEFORE DELETE ON `audit_pending`
WHEN NOT EXISTS (SELECT 1 FROM `audit_log` WHERE `account_id` = OLD.`account_id` AND `entry_id` = OLD.`id`)
BEGIN
	SELECT RAISE(ABORT, 'audit_pending entries leave only by being chained into audit_log');
END;
--> statement-breakpoint
-- Every new chain entry is a pending entry, copied unchanged, that extends its account's head by exactly one.
CREATE TRIGGER `audit_log_chains_pending` BEFORE INSERT ON `audit_log`
WHEN NOT EXISTS (
	SELECT 1 FROM `audit_pending` AS p
	WHERE p.`id` = NEW.`entry_id` AND p.`account_id` = NEW.`account_id` AND p.`actor` = NEW.`actor` AND p.`action` = NEW.`action`
		AND p.`resource` IS NEW.`resource` AND p.`request_id` IS NEW.`request_id` AND p.`ip` IS NEW.`ip` AND p.`at` = NEW.`at`
		AND p.`detail` IS NEW.`detail`
) OR NEW.`seq` <> coalesce((SELECT `seq` FROM `audit_heads` WHERE `account_id` = NEW.`account_id`), 0) + 1
	OR NEW.`prev_hash` <> coalesce((SELECT `hash` FROM `audit_heads` WHERE `account_id` = NEW.`account_id`), '0000000000000000000000000000000000000000000000000000000000000000')
BEGIN
	SELECT RAISE(ABORT, 'audit_log entries are chained from audit_pending, in order');
END;
