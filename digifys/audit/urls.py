from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("reviews/", views.reviews, name="reviews"),
    path("reviews/<int:pk>/", views.review, name="review"),
    path("reviews/<int:pk>/close/", views.review_close, name="review_close"),
    path("review-items/<int:pk>/", views.review_item, name="review_item"),
    path("residents/<int:pk>/", views.extract, name="extract"),
    path("residents/<int:pk>/access-log.csv", views.extract_csv, name="extract_csv"),
    path("residents/<int:pk>/access-log.pdf", views.extract_pdf, name="extract_pdf"),
]
