"""The file formats pipe reads and writes: its YAML subset, the fast frontmatter reader, the deal file, CSV cells, UTF-8
decoding with the line of a bad byte.

Imports nothing else of pipe but core.errors and core.names."""
