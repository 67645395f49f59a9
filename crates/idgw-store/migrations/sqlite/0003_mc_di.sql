-- Mobile Connect Device-Initiated: authorization codes and first-party browser sessions.

-- Authorization codes (RFC 6749 4.1.2), by SHA-256 hash only. A code is used once; a used
-- row stays until it expires so a replay is recognised (and revokes the tokens it produced).
CREATE TABLE authorization_codes (
    code_hash    BLOB PRIMARY KEY,
    client_id    TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    grant_id     TEXT NOT NULL,           -- carried by the tokens as their auth_req_id
    grant_data   TEXT NOT NULL,           -- JSON: what the token endpoint mints from
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    used_at      INTEGER
);
CREATE INDEX authorization_codes_by_expiry ON authorization_codes (expires_at);

-- The OP's own session with a browser (cookie), by SHA-256 hash of the cookie value: who
-- authenticated there and when, for prompt=none and max_age.
CREATE TABLE browser_sessions (
    session_hash BLOB PRIMARY KEY,
    msisdn       TEXT NOT NULL,
    session_data TEXT NOT NULL,           -- JSON: acr, amr
    auth_time    INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX browser_sessions_by_expiry ON browser_sessions (expires_at);
