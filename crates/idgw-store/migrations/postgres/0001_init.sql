-- idgw schema v1 for PostgreSQL. Times are BIGINT milliseconds since the Unix epoch, blobs BYTEA.

CREATE TABLE op_keys (
    kid         TEXT PRIMARY KEY,
    key_use     TEXT NOT NULL,            -- 'sig' | 'enc'
    alg         TEXT NOT NULL,
    private_jwk TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    retired_at  BIGINT
);

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE clients (
    client_id   TEXT PRIMARY KEY,
    secret_hash BYTEA,
    metadata    TEXT NOT NULL,            -- registration metadata, JSON
    updated_at  BIGINT NOT NULL
);

CREATE TABLE subscribers (
    msisdn     TEXT PRIMARY KEY,
    user_code  TEXT,
    updated_at BIGINT NOT NULL
);

CREATE TABLE pcrs (
    sector TEXT NOT NULL,
    msisdn TEXT NOT NULL,
    pcr    TEXT NOT NULL,
    PRIMARY KEY (sector, msisdn)
);
CREATE UNIQUE INDEX pcrs_by_pcr ON pcrs (sector, pcr);

CREATE TABLE transactions (
    auth_req_id       TEXT PRIMARY KEY,
    client_id         TEXT NOT NULL,
    msisdn            TEXT NOT NULL,
    state             TEXT NOT NULL,      -- pending | approved | denied | failed | expired | redeemed
    request           TEXT NOT NULL,      -- accepted request, JSON
    outcome           TEXT,               -- authenticator outcome, JSON
    created_at        BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL,
    completed_at      BIGINT
);
-- One authentication in flight per MSISDN (DESIGN.md section 8).
CREATE UNIQUE INDEX transactions_one_pending_per_msisdn ON transactions (msisdn) WHERE state = 'pending';
CREATE INDEX transactions_by_state_expiry ON transactions (state, expires_at);

CREATE TABLE used_jtis (
    issuer     TEXT NOT NULL,
    jti        TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (issuer, jti)
);
CREATE INDEX used_jtis_by_expiry ON used_jtis (expires_at);

CREATE TABLE tokens (
    token_hash  BYTEA PRIMARY KEY,         -- SHA-256 of the token
    kind        TEXT NOT NULL,            -- access | refresh
    client_id   TEXT NOT NULL,
    auth_req_id TEXT,
    grant_data  TEXT NOT NULL,            -- JSON: sub, msisdn, scope, acr, amr, auth_time
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
CREATE INDEX tokens_by_auth_req_id ON tokens (auth_req_id);

CREATE TABLE outbox (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    auth_req_id     TEXT NOT NULL,
    url             TEXT NOT NULL,
    bearer          TEXT NOT NULL,
    body            TEXT NOT NULL,
    state           TEXT NOT NULL,        -- pending | delivered | failed
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    deadline        BIGINT NOT NULL,
    claimed_until   BIGINT NOT NULL DEFAULT 0,
    last_status     BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);

CREATE TABLE events (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    auth_req_id    TEXT NOT NULL,
    correlation_id TEXT,
    component      TEXT NOT NULL,
    step           TEXT NOT NULL,
    outcome        TEXT NOT NULL,
    detail         TEXT,
    at             BIGINT NOT NULL
);
CREATE INDEX events_by_auth_req_id ON events (auth_req_id, at);
