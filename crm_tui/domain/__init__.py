"""Pure domain code: imports neither textual nor tinydb."""
