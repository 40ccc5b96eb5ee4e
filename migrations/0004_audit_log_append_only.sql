-- The audit log is append-only in the database itself, not only by convention in the app: no statement may
-- change or remove an entry, and audit_heads (the newest entry per account) only ever moves forward.
CREATE TRIGGER `audit_log_no_update` BEFORE UPDATE ON `audit_log`
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be changed');
END;
--> statement-breakpoint
CREATE TRIGGER `audit_log_no_delete` BEFORE DELETE ON `audit_log`
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be deleted');
END;
--> statement-breakpoint
-- Every append moves its account's head in the same statement, so the head can never lag the log.
CREATE TRIGGER `audit_log_advance_head` AFTER INSERT ON `audit_log`
BEGIN
	INSERT INTO `audit_heads` (`account_id`, `seq`, `hash`) VALUES (NEW.`account_id`, NEW.`seq`, NEW.`hash`)
	ON CONFLICT (`account_id`) DO UPDATE SET `seq` = excluded.`seq`, `hash` = excluded.`hash`;
END;
--> statement-breakpoint
CREATE TRIGGER `audit_heads_forward_only` BEFORE UPDATE ON `audit_heads`
WHEN NEW.`seq` <= OLD.`seq` OR NEW.`account_id` <> OLD.`account_id`
BEGIN
	SELECT RAISE(ABORT, 'audit_heads only moves forward');
END;
--> statement-breakpoint
CREATE TRIGGER `audit_heads_no_delete` BEFORE DELETE ON `audit_heads`
BEGIN
	SELECT RAISE(ABORT, 'audit_heads entries cannot be deleted');
END;
--> statement-breakpoint
-- Chains written before this migration get their head from their newest entry.
INSERT INTO `audit_heads` (`account_id`, `seq`, `hash`)
SELECT `account_id`, `seq`, `hash` FROM `audit_log` AS a
WHERE `seq` = (SELECT max(`seq`) FROM `audit_log` AS b WHERE b.`account_id` = a.`account_id`);
