"""`make capacity`: whether one tenant's on-sale burst fits DynamoDB, Lambda and API Gateway, from
the real key-building and capacity code (issue 33) — no hand-entered load figures.

The default scenario is the target of docs/SCALING.md: 5,000 one-line creates a second for one
tenant, for 60 s, served by 1, 100 and 1,000 concurrent instances; the sale's coupon on half the
orders, a shared walk-up bill-to / ship-to party on a quarter, one popular product's stock reserved
by half; 2,000 reads a second alongside (gets by key, list pages, customer lookups of the walk-up
party, 2:1:1). How:

- workload.py: what one request of each kind touches (partition key values, units), recorded from
  the real handlers (create_order, order_stream, get_order, search_orders) on an in-process moto and
  billed by harness/capacity.py; each simulated order's keys built for it by storage/keys.py and
  storage/stock_keys.py;
- replay.py: the burst second by second, summed per partition key value and per table or index;
- counter.py: the order-number counter under storage/number_blocks.py's `NumberBlocks`, one per
  instance, instances arriving at Lambda's scaling rate;
- limits.py: every load against its limit (partitions, the counter's bound, the stream consumer,
  table quotas and warm throughput, the gateway's plans and throttles) with its headroom;
- local_run.py: concurrent creates across many instances on DynamoDB Local (numbers unique, nothing
  lost), and the stream consumer's throughput when `make bench` has not left one.

`--shards write|party|coupon|stock=N`, `--max-block`, `--block-interval` and the scenario's options
change the run (`python -m harness.capacity_model --help`); the exit status is 1, naming each
resource, when any limit is over.
"""
