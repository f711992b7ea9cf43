tasks --all --wide
