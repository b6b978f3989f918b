"""The store: the only code that knows TinyDB."""
