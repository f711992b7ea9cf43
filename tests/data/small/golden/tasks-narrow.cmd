tasks --all --width 80
