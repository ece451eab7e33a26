"""Helpers shared by tests of more than one folder. A test imports them from here, never from another folder's
conftest.py (which holds that folder's fixtures only). tests/README.md says where a test goes."""
