"""Orders domain: models, money rules, storage and the HTTP glue shared by every function."""
