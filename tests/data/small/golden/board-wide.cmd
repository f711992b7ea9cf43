board --width 120
