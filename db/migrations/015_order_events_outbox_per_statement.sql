-- The outbox rows of order events (migration 008) written once per statement, from the statement's new
-- rows, instead of once per row. The intake inserts a thousand events in one statement, each of an order
-- the Ordre created, which belongs to no structure and writes no event: per row, each still cost the
-- trigger's call and its lookup of the order. The rows written are the same: one per event of an order
-- that belongs to a structure, in the order the events were inserted (the outbox's `written` follows it).
DROP TRIGGER order_events_outbox ON order_events;
DROP FUNCTION outbox_order_event();

CREATE FUNCTION outbox_order_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Orders the Ordre intake created belong to no structure: their holder follows them on /me.
    INSERT INTO outbox_events (structure_id, type, resource, occurred_at, data)
    SELECT o.structure_id, 'order.' || n.event, 'order/' || o.id, n.occurred_at,
           jsonb_build_object('orderId', o.id, 'state', n.state, 'cardType', o.card_type, 'kind', o.kind,
                              'holderIdNat', p.id_nat, 'cardId', o.card_id, 'detail', n.detail)
    FROM new_order_events n
    -- Each event's order and holder by primary key (lateral, LIMIT 1): PL/pgSQL keeps this statement's plan for
    -- the session, and a join planned while the tables were small hashed every order and every person.
    CROSS JOIN LATERAL (SELECT id, structure_id, card_type, kind, card_id, holder_id FROM orders
                        WHERE id = n.order_id AND structure_id IS NOT NULL LIMIT 1) o
    CROSS JOIN LATERAL (SELECT id_nat FROM persons WHERE id = o.holder_id LIMIT 1) p
    ORDER BY n.id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER order_events_outbox AFTER INSERT ON order_events
    REFERENCING NEW TABLE AS new_order_events
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_order_events();

GRANT EXECUTE ON FUNCTION outbox_order_events() TO cpx_runtime;
