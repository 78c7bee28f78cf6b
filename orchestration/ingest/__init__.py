"""Set-based loading of landing files into the warehouse's raw schema."""
