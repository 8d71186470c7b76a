"""newsdesk: a self-hosted platform for a multilingual news site."""

__version__ = "0.1.0"
