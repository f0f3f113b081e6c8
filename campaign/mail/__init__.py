"""Transactional mail: composing, queueing after commit, delivery and retries."""
