"""The web shells: a JSON API, the article page and the CDS Hooks service. Thin: the engine
answers."""
