"""Who is actually covered: applications, decisions, reviews and exits (vectorised), and offices."""
