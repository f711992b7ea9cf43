list --width 80
