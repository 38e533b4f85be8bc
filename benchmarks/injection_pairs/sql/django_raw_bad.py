from django.http import JsonResponse

from .models import Invoice


def invoices_for_customer(request):
    customer = request.GET["customer"]
    invoices = Invoice.objects.raw("SELECT * FROM billing_invoice WHERE customer = '%s'" % customer)
    return JsonResponse({"ids": [i.id for i in invoices]})
