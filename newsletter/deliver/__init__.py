"""Email delivery: the subscriber store, signed links, sending over SMTP exactly once, and the subscribe endpoint."""
