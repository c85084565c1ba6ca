from django.urls import path

from catalogue import scan_views, views

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
    path("stock/transferts/nouveau/", scan_views.transfer_create, name="transfer_create"),
    path("stock/transferts/nouveau/scan/", scan_views.transfer_scan, name="transfer_scan"),
    path("stock/transferts/<int:pk>/", views.transfer_detail, name="transfer_detail"),
    path(
        "stock/transferts/<int:pk>/reception/",
        views.transfer_receive,
        name="transfer_receive",
    ),
    path("stock/inventaire/", views.stocktake_create, name="stocktake"),
    path("stock/inventaire/scan/", scan_views.scan_count_list, name="scan_count_list"),
    path("stock/inventaire/scan/<int:pk>/", scan_views.scan_count_detail, name="scan_count"),
    path(
        "stock/inventaire/scan/<int:pk>/scanner/",
        scan_views.scan_count_scan,
        name="scan_count_scan",
    ),
    path(
        "stock/inventaire/scan/<int:pk>/valider/",
        scan_views.scan_count_confirm,
        name="scan_count_confirm",
    ),
    path("stock/seuils/", views.threshold_edit, name="threshold"),
]
