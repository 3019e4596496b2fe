"""The source APIs' own dialects (API.md): thin translations at the edge over the same domain.

`theatre` and `distribution` turn the domain's orders into the source APIs' shapes and their
requests into the domain's; `xml` reads and writes the distribution API's XML. No rule lives here:
statuses and what may happen come from the lifecycle, prices from pricing, changes from services.
"""
