-- asynchServerServer (ETSI TS 102 204 clause 6.2.1): where the MSSP delivers a transaction's
-- final status (the AP's AP_URL, the binding of its request, its request's Instant), and the
-- delivery still to make: due at `notify_due` (NULL: nothing to deliver), after
-- `notify_attempts` failed attempts. Kept with the transaction, so that a restarted or another
-- MSSP node delivers what is left.
ALTER TABLE mssp_transactions ADD COLUMN ap_url TEXT;
ALTER TABLE mssp_transactions ADD COLUMN ap_binding TEXT;
ALTER TABLE mssp_transactions ADD COLUMN ap_instant TEXT;
ALTER TABLE mssp_transactions ADD COLUMN notify_due BIGINT;
ALTER TABLE mssp_transactions ADD COLUMN notify_attempts BIGINT NOT NULL DEFAULT 0;
CREATE INDEX mssp_notifications_due ON mssp_transactions (notify_due) WHERE notify_due IS NOT NULL;
