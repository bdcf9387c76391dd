from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from digifys.core import views as core_views
from digifys.vitals import offline_views

admin.site.site_header = "digifys"
admin.site.site_title = "digifys"
# The admin has no login form of its own: everybody logs in through allauth (two factors for staff).
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    # The service worker's scope is the folder it is served from: the root, for the whole site.
    path("sw.js", offline_views.service_worker, name="service-worker"),
    path("accounts/", include("digifys.accounts.urls")),
    path("accounts/", include("digifys.accounts.allauth_urls")),
    path("residents/", include("digifys.residents.urls")),
    path("directory/", include("digifys.directory.urls")),
    path("careteams/", include("digifys.careteams.urls")),
    path("audit/", include("digifys.audit.urls")),
    path("vitals/", include("digifys.vitals.urls")),
    path("consults/", include("digifys.consults.urls")),
    path("tasks/", include("digifys.orders.urls")),
    path("worklist/", include("digifys.worklist.urls")),
    path("notifications/", include("digifys.notifications.urls")),
    path("scheduling/", include("digifys.scheduling.urls")),
    path("workforce/", include("digifys.workforce.urls")),
    path("medication-reviews/", include("digifys.medicationreviews.urls")),
    path("rounds/", include("digifys.rounds.urls")),
    path("visits/", include("digifys.visits.urls")),
    path("insights/", include("digifys.insights.urls")),
    path("administration/", include("digifys.administration.urls")),
    path("relatives/", include("digifys.relatives.urls")),
    path("trust/", include("digifys.trust.urls")),
    path("messages/", include("digifys.messaging.urls")),
    path("accessibility/", include("digifys.accessibility.urls")),
    path("fhir/", include("digifys.fhir.urls")),
    path("oauth/", include("digifys.fhir.oauth_urls")),
    path("clinicians/", include("digifys.clinicians.urls")),
    path("testbed/", include("digifys.testbed.urls")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
