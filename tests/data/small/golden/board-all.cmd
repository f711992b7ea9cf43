board --all --width 100
