"""The archive: pages generated from the items, search, charts and the MkDocs plugin."""
