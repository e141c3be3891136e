"""The domain's records and values: what a request, a draft, a lane of the outbox are,
independent of how they are stored (storage/) or shown (handlers/)."""
