"""xlwings UDFs and macros: thin wrappers over the core."""
