"""Statistics for SSP's evaluation: month-by-month counts with small groups protected."""
