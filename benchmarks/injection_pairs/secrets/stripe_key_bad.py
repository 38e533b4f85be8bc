import stripe

stripe.api_key = "sk_live_ZMQObDDMOTsoYtxqAYfwFBHP"


def charge(customer_id: str, cents: int) -> str:
    intent = stripe.PaymentIntent.create(amount=cents, currency="eur", customer=customer_id)
    return intent.id
