"""Application settings, read from the environment."""

import os


class Config:
    # Planted problem: a literal fallback ships a usable signing key in the code.
    SECRET_KEY = os.getenv("SECRET_KEY", "dev-only-signing-key-2024")
    DB_HOST = os.getenv("DB_HOST", "localhost")
    DB_PASSWORD = os.environ.get("DB_PASSWORD")
    AUTH0_DOMAIN = "yosai.eu.auth0.com"
