-- A broadcast's figures count its outbox rows by status: look them up by key, not by scan.
CREATE INDEX outbox_key ON outbox (dedupe_key, status);
