list --format json --owner maya --open
