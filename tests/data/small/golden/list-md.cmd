list --format md --sort -value
