from django.urls import path

from sales import views, views_exchange, views_money

app_name = "sales"

urlpatterns = [
    path("", views.till, name="till"),
    path("ouvrir/", views.till_open, name="till_open"),
    path("scanner/", views.cart_scan, name="cart_scan"),
    path("client/", views.cart_customer, name="cart_customer"),
    path("client/recherche/", views.customer_search, name="customer_search"),
    path("panier/ajouter/", views.cart_add, name="cart_add"),
    path("panier/retirer/<int:index>/", views.cart_remove, name="cart_remove"),
    path("panier/vider/", views.cart_clear, name="cart_clear"),
    path("encaisser/", views.checkout, name="checkout"),
    path("sessions/", views.session_list, name="session_list"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/rapport-z.pdf", views.session_pdf, name="session_pdf"),
    path("sessions/<int:pk>/cloturer/", views_money.session_close, name="session_close"),
    path("mouvements-especes/", views_money.cash_movements, name="cash_movements"),
    path("ventes/", views.sale_list, name="sale_list"),
    path("ventes/<int:pk>/", views.sale_detail, name="sale_detail"),
    path("ventes/<int:pk>/imprimer/", views.receipt_print, name="receipt_print"),
    path("ventes/<int:pk>/ticket.pdf", views.receipt_pdf, name="receipt_pdf"),
    path("ventes/<int:pk>/rembourser/", views_money.refund_create, name="refund_create"),
    path("ventes/<int:pk>/echanger/", views_exchange.exchange_create, name="exchange_create"),
    path("echanges/<int:pk>/", views_exchange.exchange_detail, name="exchange_detail"),
    path("echanges/<int:pk>/imprimer/", views_exchange.exchange_print, name="exchange_print"),
    path("remboursements/<int:pk>/", views_money.refund_detail, name="refund_detail"),
    path("remboursements/<int:pk>/imprimer/", views_money.refund_print, name="refund_print"),
    path("remboursements/<int:pk>/ticket.pdf", views_money.refund_pdf, name="refund_pdf"),
    path("rapports/", views.report, name="report"),
]
