"""The file formats pipe reads and writes: its YAML subset, the fast frontmatter reader, the deal file, CSV cells.

Imports nothing else of pipe but core.errors and core.names."""
