-- The MSSP's signature transactions (ETSI TS 102 204 clause 7.2 to 7.4), shared by MSSP nodes.
-- `status` is NULL while outstanding (504), then the final status; `signature` the applet's
-- MACed answer when it is 500. One AP_TransID per AP; one outstanding transaction per MSISDN.
CREATE TABLE mssp_transactions (
    mssp_trans_id TEXT PRIMARY KEY,
    ap_id         TEXT NOT NULL,
    ap_trans_id   TEXT NOT NULL,
    msisdn        TEXT NOT NULL,
    fingerprint   BLOB NOT NULL,
    profile       TEXT NOT NULL,
    nonce         BLOB NOT NULL,
    deadline      INTEGER NOT NULL,
    status        INTEGER,
    signature     BLOB,
    ended_at      INTEGER,
    receipt_at    INTEGER,
    created_at    INTEGER NOT NULL,
    UNIQUE (ap_id, ap_trans_id)
);
CREATE UNIQUE INDEX mssp_outstanding_per_msisdn ON mssp_transactions (msisdn) WHERE status IS NULL;
CREATE INDEX mssp_outstanding_by_deadline ON mssp_transactions (deadline) WHERE status IS NULL;
CREATE INDEX mssp_transactions_by_end ON mssp_transactions (ended_at);
