board --width 50
