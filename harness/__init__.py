"""The proof harness: what measures and attacks the API, never what runs it.

`bench/` (what a request costs: `make bench`), `fuzz/` (whether an attacker's tools break it:
`make fuzz`), `reliability/` (whether a retry, a race or a fault can lose or double an order:
`make reliability`), each split per route family; `common.py` runs the whole API as `make serve`
does, `stream_replay.py` hands a run's stream records to the consumer, `capacity.py` applies
DynamoDB's item-size rules, `openapi_lint.py` lints the OpenAPI document (`make openapi-lint`).
The harness may import `local` (what `make serve` runs) and the layer; nothing deployed imports it.
"""
