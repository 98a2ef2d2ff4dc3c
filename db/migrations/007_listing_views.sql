-- The rows the REST reads show, each derived value computed here once:
-- a card's effective state (an active card past its validity reads as expired, never stored stale),
-- and an order's département (its structure's, or the one the intake recorded for an order placed by
-- no structure), which decides the working-day calendar of its expected dates.

CREATE VIEW card_rows AS
SELECT c.id, c.card_type, c.serial,
       CASE WHEN c.state = 'active' AND c.valid_until <= now() THEN 'expired' ELSE c.state END AS state,
       c.holder_id, p.id_nat AS holder_id_nat, p.nom AS holder_nom, p.prenom AS holder_prenom,
       c.structure_id, c.profession, c.valid_from, c.valid_until, c.opposed_at, c.opposition_reason, c.order_id, c.version
FROM cards c JOIN persons p ON p.id = c.holder_id;

CREATE VIEW order_rows AS
SELECT o.id, o.structure_id, o.card_type, o.kind, o.state, o.profession, o.mode_exercice, o.new_codes,
       o.dossier_complete_at, o.card_shipped_at, o.card_received_at, o.codes_shipped_at, o.card_id, o.replaces_card_id,
       o.rejection_reason, o.created_at, o.holder_id, p.id_nat AS holder_id_nat, p.nom AS holder_nom, p.prenom AS holder_prenom,
       COALESCE(s.departement, o.departement) AS departement
FROM orders o JOIN persons p ON p.id = o.holder_id LEFT JOIN structures s ON s.id = o.structure_id;
