"""Tests of the login step: dialogues against loopback servers, classification, hygiene and the guard."""
