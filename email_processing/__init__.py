"""Pure functions over one email: no I/O, no Flask, no Redis."""
