from django.urls import path

from catalogue import views

app_name = "catalogue"

urlpatterns = [
    path("", views.product_list, name="product_list"),
    path("produits/nouveau/", views.product_edit, name="product_create"),
    path("produits/<int:pk>/", views.product_detail, name="product_detail"),
    path("produits/<int:pk>/modifier/", views.product_edit, name="product_edit"),
    path("stock/", views.stock_overview, name="stock"),
    path("stock/mouvements/", views.movement_list, name="movement_list"),
    path("stock/recharges/", views.voucher_list, name="voucher_list"),
    path("stock/recharges/import/", views.voucher_import, name="voucher_import"),
    path("stock/appareils/", views.device_list, name="device_list"),
    path("stock/appareils/reception/", views.device_receive, name="device_receive"),
    path("stock/appareils/<int:pk>/", views.device_detail, name="device_detail"),
    path("stock/articles/reception/", views.counted_receive, name="counted_receive"),
    path("stock/transferts/", views.transfer_list, name="transfer_list"),
    path("stock/transferts/nouveau/", views.transfer_create, name="transfer_create"),
    path("stock/transferts/<int:pk>/", views.transfer_detail, name="transfer_detail"),
    path(
        "stock/transferts/<int:pk>/reception/",
        views.transfer_receive,
        name="transfer_receive",
    ),
    path("stock/inventaire/", views.stocktake_create, name="stocktake"),
    path("stock/seuils/", views.threshold_edit, name="threshold"),
]
