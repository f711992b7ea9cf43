"""Everything that knows what a deal is, grouped by what each part owns (see docs/architecture.md);
knows nothing of click, terminals or templates."""
