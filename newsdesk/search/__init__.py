"""Site search: Russian and English word forms, over SQLite FTS5 or PostgreSQL full text."""
