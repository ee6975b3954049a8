"""What the bot serves over HTTP: the one web front and the routes of its own (health,
metrics); the chat adapters bring the routes of their platforms."""
