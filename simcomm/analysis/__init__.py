"""Statistics over runs (intervals, tests, survival) and validation against published figures."""
