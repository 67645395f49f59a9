-- Several OP nodes: each pending transaction is worked by one node, its owner, under a lease
-- the owner renews. When a node dies its leases lapse and a surviving node takes them over.
ALTER TABLE transactions ADD COLUMN owner TEXT;
ALTER TABLE transactions ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;
CREATE INDEX transactions_by_lease ON transactions (state, lease_until);
