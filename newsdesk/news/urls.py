"""Reader-facing URLs."""

from django.urls import path

from newsdesk.news import views

app_name = "news"

urlpatterns = [
    path("", views.home, name="home"),
    path("articles/<int:pk>/", views.article_detail, name="article"),
    path("entities/<slug:slug>/", views.entity_detail, name="entity"),
    path("sources/<slug:slug>/", views.source_detail, name="source"),
    path("stories/<int:pk>/", views.story_detail, name="story"),
]
