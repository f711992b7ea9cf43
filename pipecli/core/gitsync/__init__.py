"""The team through git: running git, setting up the merge driver, sync, the merge driver itself, the workspace
at past commits, field-level changes, and committing what a command changed."""
