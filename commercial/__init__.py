"""Commercial: consumers, connections (matricula), tariffs, readings and invoices."""
