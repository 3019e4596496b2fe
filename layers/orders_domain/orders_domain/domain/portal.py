"""What a customer portal sees of an order: the one place its rules live.

A portal answer is the order a contact or organization may see as the order's bill-to or ship-to
party (`GET /orders/{t}/portal/contact/{id}` and the organization's), decided here once:

- an order belongs to the party when its bill-to **or** its ship-to is that party (type and id);
  any other order is "not found" to the portal, never "forbidden" (a portal must not learn that an
  id exists);
- left out of every portal answer: the back office's own fields (`PORTAL_HIDDEN_FIELDS`: internal
  `notes`, an admin `override` and who made it, batch and billing-run ids, merchant and notice ids)
  and every `sys_*` field (who changed it, security context, bulk loads, locks) except
  `sys_version`, which is the answer's `ETag`;
- a party that is the ship-to but not the bill-to (a gift's recipient) does not see the payer's data
  (`PAYER_FIELDS`: billing address, bill-to ids, payments, refunds of payments, credit usages,
  payment method and details, extra confirmation recipients). The bill-to party sees the shipping
  data: it entered it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orders_domain.models import Order

#: `sys_*` fields a portal keeps: the version (the `ETag`).
PORTAL_KEPT_SYS_FIELDS = frozenset({"sys_version"})

#: The back office's fields: never in a portal answer.
PORTAL_HIDDEN_FIELDS = frozenset(
    {
        "notes",
        "override",
        "batch_id",
        "process_id",
        "billing_run_id",
        "billing_run_action_id",
        "billing_run_service",
        "default_merchant_account_id",
        "failure_notice_id",
        "success_notice_id",
        "preview_id",
        "event_id",
    }
)

#: The payer's data: not shown to a ship-to party that is not also the bill-to.
PAYER_FIELDS = frozenset(
    {
        "bill_to_contact_id",
        "bill_to_organization_id",
        "bill_parent_organization",
        "billing_address",
        "payment_info",
        "payment_method",
        "payments",
        "additional_payments",
        "refunded_payments",
        "credit_usages",
        "additional_email_confirmation_recipients",
    }
)


def _is(order: Order, role: str, party_type: str, party_id: str) -> bool:
    return getattr(order, f"{role}_type", None) == party_type and (
        getattr(order, f"{role}_{party_type}_id", None) == party_id
    )


def is_billed_to(order: Order, party_type: str, party_id: str) -> bool:
    return _is(order, "bill_to", party_type, party_id)


def belongs_to(order: Order, party_type: str, party_id: str) -> bool:
    """Whether the party is the order's bill-to or ship-to (type and id both)."""
    return is_billed_to(order, party_type, party_id) or _is(order, "ship_to", party_type, party_id)


def hidden_fields(order: Order, party_type: str, party_id: str) -> frozenset[str]:
    """The order fields a portal answer for this party leaves out (beyond `sys_*`)."""
    if is_billed_to(order, party_type, party_id):
        return PORTAL_HIDDEN_FIELDS
    return PORTAL_HIDDEN_FIELDS | PAYER_FIELDS


def portal_view(body: dict[str, Any], hidden: frozenset[str]) -> dict[str, Any]:
    """An order body without the fields hidden from the portal and without `sys_*` (but the version)."""
    return {
        name: value
        for name, value in body.items()
        if name not in hidden and (not name.startswith("sys_") or name in PORTAL_KEPT_SYS_FIELDS)
    }
