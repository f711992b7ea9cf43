"""The model, storage, queries and validation of pipe; knows nothing of click or terminals."""
