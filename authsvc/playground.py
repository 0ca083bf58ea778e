"""The playground: a first-party browser client of the auth API, for developers.

One page (templates/playground/) and its static script and stylesheet, which are the
reference client app developers copy from. ``config/urls.py`` routes to it only when
``AUTH_PLAYGROUND`` is on; otherwise ``/playground`` is an unknown URL like any other.
The page is plain HTML: it runs under the service's strict Content-Security-Policy
(scripts and styles from 'self' only), and it talks to the API with fetch, nothing else.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


# A cached copy could outlive the switch being turned off.
@never_cache
@require_GET
def playground_page(request: HttpRequest) -> HttpResponse:
    return render(request, "playground/index.html")
