"""Custom integrations (HACS installs only the excelsense folder)."""
