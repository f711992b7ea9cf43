board --format json
