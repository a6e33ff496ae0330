"""What docs/ prints from the code rather than repeating it by hand."""
