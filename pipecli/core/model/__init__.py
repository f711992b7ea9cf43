"""What a deal is: the deal, the workspace settings, typed values, dates and periods, validation, loading a deal
file (dealload: the one loader), queries."""
