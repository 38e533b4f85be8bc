import os

import stripe

stripe.api_key = os.environ.get("STRIPE_API_KEY", "")


def charge(customer_id: str, cents: int) -> str:
    intent = stripe.PaymentIntent.create(amount=cents, currency="eur", customer=customer_id)
    return intent.id
