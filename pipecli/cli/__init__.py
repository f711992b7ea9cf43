"""The click commands: parse, call the core, render, echo; one module per command group."""
