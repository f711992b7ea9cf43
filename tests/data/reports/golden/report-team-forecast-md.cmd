report team forecast --compare --format md
