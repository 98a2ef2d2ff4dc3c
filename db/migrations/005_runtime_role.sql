-- Least privilege: the service logs in as a member of cpx_runtime, which may do what the service does
-- and nothing more. The role that applies the migrations owns the schema; cpx_runtime owns nothing, so
-- it can neither alter a table nor disable a trigger. On audit_events it may only INSERT and SELECT.
-- (README, "Database roles".) Roles are cluster-wide: the role is created only when missing.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cpx_runtime') THEN
        CREATE ROLE cpx_runtime NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL; -- created at the same moment by another database's migration on the same cluster
END
$$;

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM cpx_runtime;
GRANT USAGE ON SCHEMA public TO cpx_runtime;

-- What the service reads and writes: every table, less what follows.
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO cpx_runtime;
-- Reference data and the migrations' own record: read only.
REVOKE INSERT, UPDATE ON card_types, professions, schema_migrations FROM cpx_runtime;
-- The audit trail: appended to and read, never changed.
REVOKE UPDATE ON audit_events FROM cpx_runtime;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO cpx_runtime;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO cpx_runtime;

-- Tables later migrations create are read and written by the service unless a migration says otherwise.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE ON TABLES TO cpx_runtime;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO cpx_runtime;
