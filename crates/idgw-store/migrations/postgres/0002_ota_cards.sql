-- The OTA platform's card database (3GPP TS 31.115 keys per SIM) and its counters.

CREATE TABLE ota_cards (
    msisdn     TEXT PRIMARY KEY,
    iccid      TEXT NOT NULL UNIQUE,
    algorithm  TEXT NOT NULL,          -- aes128 | aes192 | aes256 | 3des2 | 3des3
    kvn        BIGINT NOT NULL,
    kic        BYTEA NOT NULL,
    kid        BYTEA NOT NULL,
    tar        BYTEA NOT NULL,          -- the applet's TAR
    applet_key BYTEA NOT NULL,          -- shared by the MSSP and the applet
    updated_at BIGINT NOT NULL
);

-- Counters are never reissued (TS 102 225 5.1.1): MT counters only grow, MO counters are
-- accepted only when higher than the last one.
CREATE TABLE ota_counters (
    iccid      TEXT NOT NULL,
    kvn        BIGINT NOT NULL,
    mt_counter BIGINT NOT NULL,
    mo_counter BIGINT NOT NULL,
    PRIMARY KEY (iccid, kvn)
);
