-- Mandates that end by themselves: a designation may carry an end date, and from that instant the
-- mandate no longer authorises, with no job to notice it: every rights query reads active_mandataires,
-- which compares the end with the time of the query.

ALTER TABLE mandataires ADD COLUMN ends_at timestamptz;
ALTER TABLE mandataires ADD CONSTRAINT mandataires_ends_after_designation CHECK (ends_at IS NULL OR ends_at > designated_at);

-- The designations in force now: neither revoked nor past their end.
CREATE VIEW active_mandataires AS
SELECT m.id, m.structure_id, m.person_id, m.designated_at, m.designated_by, m.ends_at
FROM mandataires m
WHERE m.revoked_at IS NULL AND (m.ends_at IS NULL OR m.ends_at > now());

CREATE OR REPLACE FUNCTION caller_structures(p_id_nat text)
RETURNS TABLE (structure_id uuid, role text)
LANGUAGE sql STABLE AS $$
    SELECT s.id, 'legal-representative'
    FROM structures s JOIN persons p ON p.id = s.legal_representative_id
    WHERE p.id_nat = p_id_nat
    UNION
    SELECT m.structure_id, 'mandataire'
    FROM active_mandataires m JOIN persons p ON p.id = m.person_id
    WHERE p.id_nat = p_id_nat
$$;
