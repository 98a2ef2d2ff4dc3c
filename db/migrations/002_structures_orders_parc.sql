-- What a structure does in TOM: its contract, card orders with their history, the idempotency
-- ledger of order creation, and the dated reference data the rules read.

-- Card types of the CPx family (seed 004 §1.2).
CREATE TABLE card_types (
    code  text PRIMARY KEY,
    label text NOT NULL
);

INSERT INTO card_types (code, label) VALUES
    ('CPS', 'Carte de professionnel de santé'),
    ('CPF', 'Carte de professionnel en formation'),
    ('CPE', 'Carte de personnel d''établissement'),
    ('CDE', 'Carte de directeur d''établissement'),
    ('CPA', 'Carte de personnel autorisé');

-- The profession catalogue, dated: a profession that moves from ADELI to RPPS, or that the ANS starts
-- issuing, gets a new row from that date; codes never change. Codes are TRE_G15; the seed's
-- professions without one have stable local codes (L01…).
CREATE TABLE professions (
    code          text    NOT NULL,
    label         text    NOT NULL,
    valid_from    date    NOT NULL,
    valid_until   date,                -- exclusive; NULL: still in force
    register      text    NOT NULL CHECK (register IN ('RPPS', 'ADELI')),
    issuable      boolean NOT NULL,    -- the ANS issues the CPS (the seed's '*' marks those it does not yet)
    salaried_only boolean NOT NULL,    -- CPS only for those exercising in a salaried structure (mode S)
    cpf_eligible  boolean NOT NULL,    -- a CPF exists for its trainees
    PRIMARY KEY (code, valid_from),
    CHECK (valid_until IS NULL OR valid_until > valid_from)
);

-- As seed 004 (April 2021) and domain.md state them.
INSERT INTO professions (code, label, valid_from, register, issuable, salaried_only, cpf_eligible) VALUES
    ('10',  'Médecin',                       '2021-04-01', 'RPPS',  true,  false, true),
    ('40',  'Chirurgien-dentiste',           '2021-04-01', 'RPPS',  true,  false, true),
    ('50',  'Sage-femme',                    '2021-04-01', 'RPPS',  true,  false, true),
    ('21',  'Pharmacien',                    '2021-04-01', 'RPPS',  true,  false, true),
    ('70',  'Masseur-kinésithérapeute',      '2021-04-01', 'RPPS',  true,  false, false),
    ('80',  'Pédicure-podologue',            '2021-04-01', 'RPPS',  true,  false, false),
    ('26',  'Audioprothésiste',              '2021-04-01', 'ADELI', true,  false, false),
    ('85',  'Épithésiste',                   '2021-04-01', 'ADELI', true,  false, false),
    ('60',  'Infirmier',                     '2021-04-01', 'ADELI', true,  false, false),
    ('84',  'Oculariste',                    '2021-04-01', 'ADELI', true,  false, false),
    ('28',  'Opticien-lunetier',             '2021-04-01', 'ADELI', true,  false, false),
    ('83',  'Orthopédiste-orthésiste',       '2021-04-01', 'ADELI', true,  false, false),
    ('91',  'Orthophoniste',                 '2021-04-01', 'ADELI', true,  false, false),
    ('81',  'Orthoprothésiste',              '2021-04-01', 'ADELI', true,  false, false),
    ('92',  'Orthoptiste',                   '2021-04-01', 'ADELI', true,  false, false),
    ('82',  'Podo-orthésiste',               '2021-04-01', 'ADELI', true,  false, false),
    ('95',  'Diététicien',                   '2021-04-01', 'ADELI', true,  true,  false),
    ('94',  'Ergothérapeute',                '2021-04-01', 'ADELI', true,  true,  false),
    ('98',  'Manipulateur ERM',              '2021-04-01', 'ADELI', true,  true,  false),
    ('86',  'Technicien de laboratoire',     '2021-04-01', 'ADELI', true,  true,  false),
    ('L01', 'Assistant de service social',   '2021-04-01', 'ADELI', false, false, false),
    ('31',  'Assistant dentaire',            '2021-04-01', 'ADELI', false, false, false),
    ('L02', 'Chiropracteur',                 '2021-04-01', 'ADELI', false, false, false),
    ('L03', 'Ostéopathe',                    '2021-04-01', 'ADELI', false, false, false),
    ('32',  'Physicien médical',             '2021-04-01', 'ADELI', false, false, false),
    ('93',  'Psychologue',                   '2021-04-01', 'ADELI', false, false, false),
    ('96',  'Psychomotricien',               '2021-04-01', 'ADELI', false, false, false),
    ('L04', 'Psychothérapeute',              '2021-04-01', 'ADELI', false, false, false);

-- The contract of structure (seed 004 §2): documents attached by the legal representative, approved
-- by an operator. No order before it is active.
CREATE TABLE contracts (
    structure_id uuid        PRIMARY KEY REFERENCES structures (id),
    state        text        NOT NULL DEFAULT 'awaiting-documents'
                             CHECK (state IN ('awaiting-documents', 'awaiting-approval', 'active')),
    approved_at  timestamptz,
    approved_by  text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK ((state = 'active') = (approved_at IS NOT NULL))
);

CREATE TABLE contract_documents (
    id           uuid        PRIMARY KEY,
    structure_id uuid        NOT NULL REFERENCES structures (id),
    kind         text        NOT NULL CHECK (kind IN ('act-of-nomination', 'identity-document')),
    media_type   text        NOT NULL CHECK (media_type IN ('application/pdf', 'image/png', 'image/jpeg')),
    file_name    text,
    size_bytes   integer     NOT NULL,
    sha256       text        NOT NULL,
    content      bytea       NOT NULL,
    uploaded_by  text        NOT NULL,
    uploaded_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX contract_documents_structure_idx ON contract_documents (structure_id, kind, uploaded_at DESC);

ALTER TABLE persons ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

-- Card orders: by a structure (structure_id set) or created by the Ordre intake (structure_id NULL).
CREATE TABLE orders (
    id                   uuid        PRIMARY KEY,
    structure_id         uuid        REFERENCES structures (id),
    card_type            text        NOT NULL REFERENCES card_types (code),
    kind                 text        NOT NULL DEFAULT 'new' CHECK (kind IN ('new', 'replacement', 'renewal')),
    holder_id            uuid        NOT NULL REFERENCES persons (id),
    profession           text,
    mode_exercice        text        CHECK (mode_exercice IN ('L', 'S', 'B')),
    state                text        NOT NULL CHECK (state IN ('awaiting-visa', 'submitted', 'in-production', 'card-shipped',
                                                               'card-received', 'codes-shipped', 'completed', 'rejected', 'cancelled')),
    new_codes            boolean     NOT NULL DEFAULT true,
    dossier_complete_at  timestamptz,
    card_shipped_at      timestamptz,
    card_received_at     timestamptz,
    codes_shipped_at     timestamptz,
    card_id              uuid        REFERENCES cards (id),
    replaces_card_id     uuid        REFERENCES cards (id),
    rejection_reason     text,
    placed_by_id_nat     text,
    placed_by_card_serial text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX orders_structure_idx ON orders (structure_id, id) WHERE structure_id IS NOT NULL;
CREATE INDEX orders_holder_idx ON orders (holder_id);
CREATE INDEX orders_state_idx ON orders (state, id);
-- The automatic renewal creates exactly one renewal per card, whichever instance runs it.
CREATE UNIQUE INDEX orders_one_live_renewal_idx ON orders (replaces_card_id)
    WHERE kind = 'renewal' AND state NOT IN ('rejected', 'cancelled');
-- One live replacement per card in opposition, too.
CREATE UNIQUE INDEX orders_one_live_replacement_idx ON orders (replaces_card_id)
    WHERE kind = 'replacement' AND state NOT IN ('rejected', 'cancelled');

CREATE TABLE order_events (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id     uuid        NOT NULL REFERENCES orders (id),
    event        text        NOT NULL,
    state        text        NOT NULL,
    occurred_at  timestamptz NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    actor_id_nat text,
    detail       text
);

CREATE INDEX order_events_order_idx ON order_events (order_id, id);

CREATE TABLE card_events (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    card_id      uuid        NOT NULL REFERENCES cards (id),
    event        text        NOT NULL,
    occurred_at  timestamptz NOT NULL DEFAULT now(),
    actor_id_nat text,
    detail       text
);

CREATE INDEX card_events_card_idx ON card_events (card_id, id);

ALTER TABLE cards ADD COLUMN order_id uuid REFERENCES orders (id);
ALTER TABLE cards ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE card_certificates ADD COLUMN revoked_at timestamptz;
CREATE INDEX cards_structure_expiry_idx ON cards (structure_id, valid_until, id);
CREATE INDEX cards_expiry_idx ON cards (valid_until) WHERE state = 'active';

-- Idempotency-Key (IETF draft-ietf-httpapi-idempotency-key-header): claimed in the transaction that
-- creates the order, so the key and its effect commit or vanish together.
CREATE TABLE idempotency_keys (
    caller_id_nat  text        NOT NULL,
    scope          text        NOT NULL,
    key            text        NOT NULL,
    request_hash   text        NOT NULL,
    status_code    integer     NOT NULL,
    response_body  text        NOT NULL,
    location       text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (caller_id_nat, scope, key)
);

-- The structures where a person (by IdNat) acts, and as what: every structure-scoped query filters
-- through this, so rights are enforced in SQL.
CREATE FUNCTION caller_structures(p_id_nat text)
RETURNS TABLE (structure_id uuid, role text)
LANGUAGE sql STABLE AS $$
    SELECT s.id, 'legal-representative'
    FROM structures s JOIN persons p ON p.id = s.legal_representative_id
    WHERE p.id_nat = p_id_nat
    UNION
    SELECT m.structure_id, 'mandataire'
    FROM mandataires m JOIN persons p ON p.id = m.person_id
    WHERE p.id_nat = p_id_nat AND m.revoked_at IS NULL
$$;

CREATE INDEX structures_legal_representative_idx ON structures (legal_representative_id);
CREATE INDEX audit_events_occurred_idx ON audit_events (id);
