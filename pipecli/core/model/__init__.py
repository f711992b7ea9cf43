"""What a deal is: the deal, the workspace settings, typed values, dates and periods, validation, queries."""
