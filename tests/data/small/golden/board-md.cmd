board --all --format md
