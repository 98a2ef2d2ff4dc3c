-- Bulk intake from the Ordres and the ARS: the ledger that makes a resent record harmless, and the
-- register data the intake brings.

-- The latest version applied per source, stream and record: a record at that version again is a
-- DUPLICATE, at an older one STALE; neither has an effect.
CREATE TABLE intake_records (
    source     text        NOT NULL,  -- IdNat_Struct of the source's organisation certificate
    stream     text        NOT NULL CHECK (stream IN ('registrations', 'adeli-registrations', 'visas')),
    record_id  text        NOT NULL,
    version    bigint      NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, stream, record_id)
);

-- What the registers say of a professional: exercise, place, correspondence address.
CREATE TABLE professionals (
    person_id            uuid        PRIMARY KEY REFERENCES persons (id),
    profession           text        NOT NULL,
    categorie            text        CHECK (categorie IN ('C', 'E', 'F', 'M')),
    mode_exercice        text        CHECK (mode_exercice IN ('L', 'S', 'B')),
    civilite             text,
    date_naissance       date,
    place_finess         text,
    place_siret          text,
    place_raison_sociale text,
    place_departement    text,
    correspondence       jsonb,
    source               text        NOT NULL,
    radiated_at          timestamptz,
    updated_at           timestamptz NOT NULL DEFAULT now()
);

-- Orders the intake creates have no structure: their calendar follows the place of exercise, and
-- they remember which source created them.
ALTER TABLE orders ADD COLUMN departement text;
ALTER TABLE orders ADD COLUMN source text;
