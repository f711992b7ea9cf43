tasks --suggested
