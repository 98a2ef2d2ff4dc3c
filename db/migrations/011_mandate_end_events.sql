-- A mandate that reaches its end announces it: `mandate.ended` with the reason `expired`.
--
-- The mandate already stops authorising at its end by itself (active_mandataires, migration 009); this
-- only tells the structure's software. A periodic pass (EndedMandatesJob, every
-- Events__EndedMandatesIntervalSeconds) closes each mandate past its end the way a new designation of
-- the same person already did: revoked_at = ends_at, revoked_by NULL (no one revoked it), and now
-- end_reason = 'expired'. That UPDATE fires mandataires_ended_outbox (migration 008), which writes
-- `mandate.ended` (endedAt = ends_at, reason = expired) in the same transaction, after the mandate's
-- earlier events (they were written under the same row's lock).
--
-- Written once, with no extra key: revoked_at is the marker. The pass and the trigger both require
-- revoked_at IS NULL, and a closed mandate is never reopened, so of two passes at once (two instances)
-- the second waits on the first one's row lock, re-reads the row, finds it closed and skips it. A mandate
-- revoked (or ended by a departure) before its end already has its revoked_at: it announces nothing more.
-- Mandates that ended before this migration and were never closed are announced by the first pass.

ALTER TABLE mandataires DROP CONSTRAINT mandataires_end_reason_check;
ALTER TABLE mandataires ADD CONSTRAINT mandataires_end_reason_check CHECK (end_reason IN ('holder-left', 'expired'));
-- An expired mandate is closed at its end, not at the moment a pass noticed it.
ALTER TABLE mandataires ADD CONSTRAINT mandataires_expired_at_its_end CHECK (end_reason IS DISTINCT FROM 'expired' OR revoked_at = ends_at);

-- What the pass looks for: open mandates with an end.
CREATE INDEX mandataires_open_ends_idx ON mandataires (ends_at) WHERE revoked_at IS NULL AND ends_at IS NOT NULL;
