"""What happens to people each month: pure, vectorised functions on arrays and uniform draws."""
