list --wide
