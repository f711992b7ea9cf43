list --open --columns id,value,owner,due,next_step,account --width 80
