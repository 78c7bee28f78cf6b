"""Report files for people who do not open the warehouse (finance's workbook, ...)."""
