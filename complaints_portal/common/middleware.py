"""Security headers every page needs: a Content-Security-Policy without inline scripts, and no
caching of anything the application answers (SPEC §8)."""

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # Bootstrap and htmx set inline style attributes; no inline <style>/<script> blocks are used.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        # Pages, API answers, attachments and exports carry personal data: no browser, proxy or
        # shared cache may keep them (the back button after logout, a shared office PC). Static
        # files never get here (WhiteNoise answers them first, with its own long-lived caching).
        if "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response
