board partnerships --width 100
