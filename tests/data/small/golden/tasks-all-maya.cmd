tasks --all --assignee maya
