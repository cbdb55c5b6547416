"""Built-in plugins, packaged as ``advisor.plugins`` and registered exactly like third-party
ones (see ``advisor.plugins.DEFAULT_PLUGINS`` and docs/plugins.md)."""
