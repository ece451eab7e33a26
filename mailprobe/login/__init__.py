"""The login step: the authentication dialogues, reply classification, password hygiene and the lockout guard."""
