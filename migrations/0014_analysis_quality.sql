ALTER TABLE `call_analyses` ADD `cost` text;--> statement-breakpoint
ALTER TABLE `call_analyses` ADD `quality_score` real;--> statement-breakpoint
ALTER TABLE `call_analyses` ADD `violation_count` integer;--> statement-breakpoint
ALTER TABLE `call_analyses` ADD `quality` text;--> statement-breakpoint
CREATE INDEX `call_analyses_account_agent_score` ON `call_analyses` (`account_id`,`agent_id`,`quality_score`);