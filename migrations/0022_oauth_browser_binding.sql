ALTER TABLE `oauth_states` ADD `binding_hash` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `oauth_states` ADD `return_to` text;