-- The registry the authentication rests on: structures, the persons who hold cards, the cards and
-- their certificates, the mandataires a legal representative delegates to, and the audit trail.

CREATE TABLE structures (
    id                       uuid        PRIMARY KEY,
    finess                   text        UNIQUE,
    siret                    text        UNIQUE,
    -- IdNat_Struct: 1+FINESS, 3+SIRET (the OU of the structure's staff cards).
    id_nat_struct            text        NOT NULL UNIQUE,
    raison_sociale           text        NOT NULL,
    secteur_activite         text,
    departement              text,
    legal_representative_id  uuid,
    created_at               timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT structures_identified CHECK (finess IS NOT NULL OR siret IS NOT NULL)
);

CREATE TABLE persons (
    id                  uuid        PRIMARY KEY,
    -- IdNat_PS as certificates carry it: 8+RPPS, 0+ADELI, 3+FINESS/id, 5+SIRET/id.
    id_nat              text        NOT NULL UNIQUE,
    nom                 text        NOT NULL,
    prenom              text        NOT NULL,
    rpps                text        UNIQUE,
    adeli               text,
    health_professional boolean     NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE structures
    ADD CONSTRAINT structures_legal_representative_fk FOREIGN KEY (legal_representative_id) REFERENCES persons (id);

CREATE TABLE cards (
    id                uuid        PRIMARY KEY,
    card_type         text        NOT NULL CHECK (card_type IN ('CPS', 'CPF', 'CPE', 'CDE', 'CPA')),
    -- The card serial, as the token id extension of its certificates carries it (8025000001/<serial>).
    serial            text        NOT NULL UNIQUE,
    holder_id         uuid        NOT NULL REFERENCES persons (id),
    structure_id      uuid        REFERENCES structures (id),
    profession        text,
    state             text        NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'opposition')),
    valid_from        timestamptz NOT NULL,
    valid_until       timestamptz NOT NULL,
    opposed_at        timestamptz,
    opposition_reason text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT cards_validity CHECK (valid_until > valid_from),
    CONSTRAINT cards_opposition CHECK ((state = 'opposition') = (opposed_at IS NOT NULL))
);

CREATE INDEX cards_holder_idx ON cards (holder_id);
CREATE INDEX cards_structure_idx ON cards (structure_id, id);

CREATE TABLE card_certificates (
    id                 uuid        PRIMARY KEY,
    card_id            uuid        NOT NULL REFERENCES cards (id),
    usage              text        NOT NULL CHECK (usage IN ('authentication', 'signature')),
    issuer             text        NOT NULL,
    serial_number      text        NOT NULL,
    subject            text        NOT NULL,
    thumbprint_sha256  text        NOT NULL UNIQUE,
    not_before         timestamptz NOT NULL,
    not_after          timestamptz NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (issuer, serial_number)
);

CREATE INDEX card_certificates_card_idx ON card_certificates (card_id);

CREATE TABLE mandataires (
    structure_id  uuid        NOT NULL REFERENCES structures (id),
    person_id     uuid        NOT NULL REFERENCES persons (id),
    designated_at timestamptz NOT NULL DEFAULT now(),
    designated_by uuid        NOT NULL REFERENCES persons (id),
    revoked_at    timestamptz,
    revoked_by    uuid        REFERENCES persons (id),
    id            uuid        PRIMARY KEY
);

-- One active designation per person and structure; revoked ones stay as history.
CREATE UNIQUE INDEX mandataires_active_idx ON mandataires (structure_id, person_id) WHERE revoked_at IS NULL;
CREATE INDEX mandataires_person_idx ON mandataires (person_id) WHERE revoked_at IS NULL;

-- Append-only: who did what, when, with which card, and every refused attempt.
CREATE TABLE audit_events (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor_id_nat     text,
    actor_card_serial text,
    structure_id     uuid,
    action           text        NOT NULL,
    target           text,
    outcome          text        NOT NULL,
    detail           text,
    request_id       text
);

CREATE INDEX audit_events_structure_idx ON audit_events (structure_id, id) WHERE structure_id IS NOT NULL;

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_events_append_only
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();

CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
