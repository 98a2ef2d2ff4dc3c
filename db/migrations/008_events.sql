-- Events for structure software and relying parties: an outbox every change writes in its own
-- transaction, the webhook subscriptions that deliver it, and a mandate's end reason.
--
-- Triggers on order_events, card_events and mandataires write the outbox, so every writer (the
-- stores, and the intake's set-based SQL alike) emits its event in the transaction of the change:
-- an event exists if and only if its change committed.

ALTER TABLE mandataires ADD COLUMN end_reason text CHECK (end_reason IN ('holder-left'));

CREATE TABLE outbox_events (
    id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Insertion order, assigned when the row is written (not commit order).
    written      bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
    -- Feed order, assigned once committed by sequence_outbox_events(): a reader that saw position N
    -- never later finds a new row below N, whatever order transactions committed in.
    position     bigint      UNIQUE,
    -- NULL for a card outside any structure (its opposition still reaches relying parties).
    structure_id uuid        REFERENCES structures (id),
    type         text        NOT NULL,
    resource     text        NOT NULL,
    occurred_at  timestamptz NOT NULL,
    data         jsonb       NOT NULL,
    -- Events a periodic job writes (card.expiring) carry a key so that they are written once.
    dedupe_key   text        UNIQUE
);

CREATE INDEX outbox_events_unsequenced_idx ON outbox_events (written) WHERE position IS NULL;
CREATE INDEX outbox_events_structure_idx ON outbox_events (structure_id, position) WHERE position IS NOT NULL;
CREATE INDEX outbox_events_opposed_idx ON outbox_events (position) WHERE type = 'card.opposed' AND position IS NOT NULL;

-- Gives feed positions to committed rows, in insertion order, one sequencer at a time. Changes to one
-- resource are serialised by that resource's row lock, so its events keep their order.
CREATE FUNCTION sequence_outbox_events(p_limit integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    sequenced integer;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('outbox_events sequencer', 0));
    WITH pending AS (
        SELECT id, row_number() OVER (ORDER BY written) AS n
        FROM (SELECT id, written FROM outbox_events WHERE position IS NULL ORDER BY written LIMIT p_limit) p
    ), base AS (
        SELECT COALESCE(max(position), 0) AS top FROM outbox_events
    )
    UPDATE outbox_events e SET position = base.top + pending.n
    FROM pending, base WHERE e.id = pending.id;
    GET DIAGNOSTICS sequenced = ROW_COUNT;
    RETURN sequenced;
END;
$$;

CREATE FUNCTION outbox_order_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Orders the Ordre intake created belong to no structure: their holder follows them on /me.
    INSERT INTO outbox_events (structure_id, type, resource, occurred_at, data)
    SELECT o.structure_id, 'order.' || NEW.event, 'order/' || o.id, NEW.occurred_at,
           jsonb_build_object('orderId', o.id, 'state', NEW.state, 'cardType', o.card_type, 'kind', o.kind,
                              'holderIdNat', p.id_nat, 'cardId', o.card_id, 'detail', NEW.detail)
    FROM orders o JOIN persons p ON p.id = o.holder_id
    WHERE o.id = NEW.order_id AND o.structure_id IS NOT NULL;
    RETURN NULL;
END;
$$;

CREATE TRIGGER order_events_outbox AFTER INSERT ON order_events
    FOR EACH ROW EXECUTE FUNCTION outbox_order_event();

CREATE FUNCTION outbox_card_opposed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox_events (structure_id, type, resource, occurred_at, data)
    SELECT c.structure_id, 'card.opposed', 'card/' || c.id, COALESCE(c.opposed_at, NEW.occurred_at),
           jsonb_build_object('cardId', c.id, 'serial', c.serial, 'cardType', c.card_type, 'holderIdNat', p.id_nat,
                              'reason', c.opposition_reason, 'opposedAt', c.opposed_at,
                              'certificates', COALESCE((SELECT jsonb_agg(jsonb_build_object('issuer', cc.issuer, 'serialNumber', cc.serial_number,
                                                                                           'usage', cc.usage) ORDER BY cc.usage, cc.serial_number)
                                                        FROM card_certificates cc WHERE cc.card_id = c.id), '[]'::jsonb))
    FROM cards c JOIN persons p ON p.id = c.holder_id
    WHERE c.id = NEW.card_id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER card_events_outbox AFTER INSERT ON card_events
    FOR EACH ROW WHEN (NEW.event = 'opposition') EXECUTE FUNCTION outbox_card_opposed();

CREATE FUNCTION outbox_mandate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox_events (structure_id, type, resource, occurred_at, data)
    SELECT NEW.structure_id,
           CASE WHEN TG_OP = 'INSERT' THEN 'mandate.designated'
                WHEN NEW.end_reason IS NOT NULL THEN 'mandate.ended'
                ELSE 'mandate.revoked' END,
           'mandate/' || NEW.id,
           CASE WHEN TG_OP = 'INSERT' THEN NEW.designated_at ELSE NEW.revoked_at END,
           jsonb_build_object('mandateId', NEW.id, 'idNat', p.id_nat, 'designatedAt', NEW.designated_at,
                              'endedAt', NEW.revoked_at, 'reason', NEW.end_reason)
    FROM persons p WHERE p.id = NEW.person_id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER mandataires_designated_outbox AFTER INSERT ON mandataires
    FOR EACH ROW EXECUTE FUNCTION outbox_mandate();
CREATE TRIGGER mandataires_ended_outbox AFTER UPDATE OF revoked_at ON mandataires
    FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL) EXECUTE FUNCTION outbox_mandate();

-- A structure's software subscribes a URL; the secret signs what it receives.
CREATE TABLE webhook_subscriptions (
    id                 uuid        PRIMARY KEY,
    structure_id       uuid        NOT NULL REFERENCES structures (id),
    url                text        NOT NULL,
    event_types        text[]      NOT NULL,
    secret             text        NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    created_by         text        NOT NULL,
    -- Delivered in feed order: everything up to this position was acknowledged (2xx).
    delivered_position bigint      NOT NULL,
    attempts           integer     NOT NULL DEFAULT 0,
    next_attempt_at    timestamptz NOT NULL DEFAULT now(),
    leased_until       timestamptz,
    last_error         text
);

CREATE INDEX webhook_subscriptions_structure_idx ON webhook_subscriptions (structure_id, created_at);
CREATE INDEX webhook_subscriptions_due_idx ON webhook_subscriptions (next_attempt_at);

-- A structure removes its subscriptions: the service's runtime role (migration 005) deletes them.
GRANT DELETE ON webhook_subscriptions TO cpx_runtime;
