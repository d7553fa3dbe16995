"""Never installable: Requires-Python is >=3.99."""
