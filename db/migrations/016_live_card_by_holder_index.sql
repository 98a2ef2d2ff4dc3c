-- A holder's live card of a profession, as the rule "one live card per holder and profession" asks it when an
-- Ordre's inscription would order one (OrderStore.RegisterOrdersStatement). On a new database, before the first
-- ANALYZE, the planner had no reason to prefer cards_holder_idx over cards_expiry_idx and could walk every
-- active card for each holder; this index answers the lookup on both of its keys whatever the statistics.
CREATE INDEX cards_live_by_holder_idx ON cards (holder_id, profession) WHERE state = 'active';
