tasks --due week --format md
