"""`python -m harness.capacity_model` (`make capacity`)."""

from harness.capacity_model.cli import main

raise SystemExit(main())
