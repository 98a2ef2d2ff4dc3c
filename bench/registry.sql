-- PostgreSQL's own ceiling for the card registry read that authenticates every REST request
-- (api/Security/CardAuthenticationHandler.cs), run by bench/run with `pgbench -M prepared -D serial=...`.
SELECT c.id, c.card_type, c.state, c.valid_until, c.profession, p.id, p.id_nat, p.nom, p.prenom
FROM cards c JOIN persons p ON p.id = c.holder_id
WHERE c.serial = :serial;
