"""secret-hygiene: keep secrets out of git; prove a deployment's secrets are wired and present."""

__version__ = "0.1.0"
