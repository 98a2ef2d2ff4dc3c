-- Demo data for `./dev up`: one structure (a service de santé au travail), its legal representative
-- (CDE), a mandataire (CPE) and a nurse (CPS). The identifiers match the development PKI
-- (tools/CpxTeleservice.DevPki/DemoPki.cs); the operator's card is configured, not registered.
-- Safe to load again: every insert stands aside for a row that is already there.

INSERT INTO persons (id, id_nat, nom, prenom, rpps, health_professional) VALUES
    ('00000000-0000-4000-8000-000000000101', '3750812349/RL0001',  'DURAND',  'CLAIRE', NULL,          false),
    ('00000000-0000-4000-8000-000000000102', '3750812349/EMP0042', 'MARTIN',  'THOMAS', NULL,          false),
    ('00000000-0000-4000-8000-000000000103', '810100123453',       'BERNARD', 'LUCIE',  '10100123453', true)
ON CONFLICT DO NOTHING;

INSERT INTO structures (id, finess, id_nat_struct, raison_sociale, secteur_activite, departement, legal_representative_id) VALUES
    ('00000000-0000-4000-8000-000000000001', '750812349', '1750812349', 'SERVICE DE SANTE AU TRAVAIL DEMO', 'SA66', '75',
     '00000000-0000-4000-8000-000000000101')
ON CONFLICT DO NOTHING;

INSERT INTO cards (id, card_type, serial, holder_id, structure_id, profession, valid_from, valid_until) VALUES
    ('00000000-0000-4000-8000-000000000201', 'CDE', '9000000002', '00000000-0000-4000-8000-000000000101', '00000000-0000-4000-8000-000000000001', NULL, now() - interval '1 day', now() + interval '3 years'),
    ('00000000-0000-4000-8000-000000000202', 'CPE', '9000000003', '00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-000000000001', NULL, now() - interval '1 day', now() + interval '3 years'),
    ('00000000-0000-4000-8000-000000000203', 'CPS', '9000000004', '00000000-0000-4000-8000-000000000103', '00000000-0000-4000-8000-000000000001', '60', now() - interval '1 day', now() + interval '3 years')
ON CONFLICT DO NOTHING;

INSERT INTO mandataires (id, structure_id, person_id, designated_by) VALUES
    ('00000000-0000-4000-8000-000000000301', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000102', '00000000-0000-4000-8000-000000000101')
ON CONFLICT DO NOTHING;

-- The demo structure's contract is signed, documented and approved: its cards can be ordered.
INSERT INTO contracts (structure_id, state, approved_at, approved_by) VALUES
    ('00000000-0000-4000-8000-000000000001', 'active', now(), '513000578000015/OPS0001')
ON CONFLICT DO NOTHING;
