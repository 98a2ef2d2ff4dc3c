-- A mandate's events carry its end: `endsAt` (null when the designation has none) joins the data of
-- mandate.designated, mandate.revoked and mandate.ended, so that structure software learns when a new
-- mandate will stop authorising without reading it back. Otherwise the function of migration 008, unchanged.

CREATE OR REPLACE FUNCTION outbox_mandate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox_events (structure_id, type, resource, occurred_at, data)
    SELECT NEW.structure_id,
           CASE WHEN TG_OP = 'INSERT' THEN 'mandate.designated'
                WHEN NEW.end_reason IS NOT NULL THEN 'mandate.ended'
                ELSE 'mandate.revoked' END,
           'mandate/' || NEW.id,
           CASE WHEN TG_OP = 'INSERT' THEN NEW.designated_at ELSE NEW.revoked_at END,
           jsonb_build_object('mandateId', NEW.id, 'idNat', p.id_nat, 'designatedAt', NEW.designated_at,
                              'endsAt', NEW.ends_at, 'endedAt', NEW.revoked_at, 'reason', NEW.end_reason)
    FROM persons p WHERE p.id = NEW.person_id;
    RETURN NULL;
END;
$$;
