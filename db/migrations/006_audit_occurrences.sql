-- A row of the audit may stand for several identical events: refused authentications from one source,
-- for one reason, beyond those recorded one by one in a window, are counted in one row (README, "Limits").
ALTER TABLE audit_events ADD COLUMN occurrences integer NOT NULL DEFAULT 1 CHECK (occurrences >= 1);
