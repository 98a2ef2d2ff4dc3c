-- The dated profession catalogue, changed by operators without a release (POST /api/v1/admin/professions/
-- {code}/changes): each change is a new row from its date; the row it supersedes gets that date as its end,
-- so at any date one row is in force per code. The rows of migration 002 (the seed's April 2021 catalogue)
-- stay the default until a change says otherwise.

-- Who registers the professionals of an RPPS profession (their Ordre, or the ARS): the refusal of a
-- structure's CPS order names it. NULL: their Ordre.
ALTER TABLE professions ADD COLUMN registered_by text;
-- The operator who recorded the row, and when; NULL for the rows of migrations.
ALTER TABLE professions ADD COLUMN recorded_by text;
ALTER TABLE professions ADD COLUMN recorded_at timestamptz;

-- Where the service runs as a least-privilege role, it may add rows and end the one a change supersedes.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cpx_runtime') THEN
        GRANT INSERT ON professions TO cpx_runtime;
        GRANT UPDATE (valid_until) ON professions TO cpx_runtime;
    END IF;
END
$$;
