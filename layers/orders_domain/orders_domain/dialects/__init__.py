"""The source APIs' own dialects (API.md): edge translations; imports domain, models, services, not storage.

`theatre` and `distribution` turn the domain's orders into the source APIs' shapes and their
requests into the domain's; `xml` reads and writes the distribution API's XML. No rule lives here:
statuses and what may happen come from the lifecycle, prices from pricing, changes from services.
They import domain, models and services, never storage, runtime or the HTTP edge (which loads
`xml` for the distribution routes).
"""
