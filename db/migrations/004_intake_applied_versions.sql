-- Every version of an intake record that was applied, with the order its first ack named: a record
-- resent at a version applied before is DUPLICATE (and its ack names that order again), even after
-- a later version superseded it; a version below the latest applied one that was never applied
-- itself is STALE. intake_records keeps the latest applied version per record.
CREATE TABLE intake_applied_versions (
    source     text        NOT NULL,
    stream     text        NOT NULL CHECK (stream IN ('registrations', 'adeli-registrations', 'visas')),
    record_id  text        NOT NULL,
    version    bigint      NOT NULL,
    order_id   uuid,                  -- the order the record created, when it created one
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, stream, record_id, version)
);

-- The versions applied before this table existed: the latest of each record, without its order.
INSERT INTO intake_applied_versions (source, stream, record_id, version, applied_at)
SELECT source, stream, record_id, version, applied_at FROM intake_records;
