"""Evidence kinds (Pydantic models) and parsers for real instrument exports."""
