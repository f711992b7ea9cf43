timeline 0800 --format json
