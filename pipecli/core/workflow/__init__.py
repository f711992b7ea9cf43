"""What happens to a deal: the lifecycle (create, move, close), tasks, the timeline, the agenda, suggestions,
bulk changes, and who is running pipe. Works on Deal objects; never reads or writes files (that is store)."""
