"""The workspace on disk: finding it, atomic writes, the lock, the cache of parsed deals, and pipe check."""
