"""Judgements about names and values shared by every rule family."""
