-- One clock: the service's TimeProvider is the only source of "now", SQL included.
--
-- cpx_now() is now() moved by the session setting cpx.clock_offset (seconds, signed). The service sets
-- it as a startup option of every connection when Clock__StartAt or Clock__OffsetSeconds moves its clock
-- (README, "Clock for demos and acceptance runs"); unset, as in production, cpx_now() is now(). Like
-- now(), it is the transaction's start: one value throughout a statement and its transaction.
CREATE FUNCTION cpx_now() RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT now() + make_interval(secs => COALESCE(NULLIF(current_setting('cpx.clock_offset', true), '')::double precision, 0))
$$;

GRANT EXECUTE ON FUNCTION cpx_now() TO cpx_runtime;

-- The derived states follow the service's clock: an active card past valid_until reads expired
-- (migration 007), a mandate past ends_at no longer authorises (migration 009; caller_structures reads
-- this view). Same columns, same order.
CREATE OR REPLACE VIEW card_rows AS
SELECT c.id, c.card_type, c.serial,
       CASE WHEN c.state = 'active' AND c.valid_until <= cpx_now() THEN 'expired' ELSE c.state END AS state,
       c.holder_id, p.id_nat AS holder_id_nat, p.nom AS holder_nom, p.prenom AS holder_prenom,
       c.structure_id, c.profession, c.valid_from, c.valid_until, c.opposed_at, c.opposition_reason, c.order_id, c.version
FROM cards c JOIN persons p ON p.id = c.holder_id;

CREATE OR REPLACE VIEW active_mandataires AS
SELECT m.id, m.structure_id, m.person_id, m.designated_at, m.designated_by, m.ends_at
FROM mandataires m
WHERE m.revoked_at IS NULL AND (m.ends_at IS NULL OR m.ends_at > cpx_now());

-- Times the service leaves to a column's default (an order's created_at, a webhook's next attempt, ...)
-- are stamped by the same clock: every default now() of the schema becomes cpx_now(), except the
-- migrations' own record, which keeps the real time each migration was applied.
DO $$
DECLARE
    col record;
BEGIN
    FOR col IN
        SELECT c.relname AS table_name, a.attname AS column_name
        FROM pg_attrdef d
        JOIN pg_class c ON c.oid = d.adrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
        WHERE n.nspname = current_schema() AND c.relname <> 'schema_migrations' AND pg_get_expr(d.adbin, d.adrelid) = 'now()'
    LOOP
        EXECUTE format('ALTER TABLE %I ALTER COLUMN %I SET DEFAULT cpx_now()', col.table_name, col.column_name);
    END LOOP;
END
$$;

-- The audit trail stamps each line at the instant it is written (clock_timestamp(), migration 001):
-- that instant, moved as cpx_now() is.
ALTER TABLE audit_events ALTER COLUMN occurred_at SET DEFAULT clock_timestamp() + (cpx_now() - now());
