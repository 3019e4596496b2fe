"""Rules and plain values (lifecycle, money, errors, JSON, ports); imports models only: no I/O, HTTP, wiring.

The pure rules of an order and its versions live here, each in its own module, named so that a rule
module never shares a stem with a service (`fulfil_rules` beside `services.fulfillments`,
`refund_rules` beside `services.refunds`, `history_entries` beside `services.order_history` and
`storage.history`, `coupon_rows` beside `storage.coupon_usage`, `order_changes` beside
`services.change` and `storage.order_records`, `page_positions` beside `storage.pages`). `ports` is
here: the protocols the services need are the domain's, storage implements them; a service names a
list as a `page_positions.Place`, never an index or a key. Nothing here imports services, storage,
runtime, the HTTP edge, dialects, boto3, botocore or Powertools (tests/unit/test_import_direction.py).
"""
