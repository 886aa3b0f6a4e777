"""httpd: start, stop and check a web server (lighttpd, nginx, apache2).

``servers`` (pure: which server, config and URL), ``agent`` (the SDK class behind
``resource.d/httpd``).
"""
