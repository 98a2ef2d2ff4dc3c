-- Idempotency-Keys expire (README, "Idempotency-Key"; Idempotency__RetentionHours): a periodic pass of
-- every instance deletes the keys claimed longer ago than the retention, oldest first, in batches of
-- 1,000 rows. created_at is stamped by the service's clock (its default is cpx_now() since migration 012).
--
-- The index the pass reads in created_at order. IF NOT EXISTS: on a large table, an operator may build it
-- beforehand without blocking orders (CREATE INDEX CONCURRENTLY idempotency_keys_created_at_idx ...,
-- docs/operations.md); this migration then finds it.
CREATE INDEX IF NOT EXISTS idempotency_keys_created_at_idx ON idempotency_keys (created_at);

-- The pass runs as the service's runtime role (migration 005), which deletes nothing else but webhook
-- subscriptions (migration 008).
GRANT DELETE ON idempotency_keys TO cpx_runtime;
