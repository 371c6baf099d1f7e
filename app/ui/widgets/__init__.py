"""Small reusable widgets and painted icons."""
