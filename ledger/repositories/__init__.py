"""All SQL lives here: repositories take a session and never commit."""
