"""e2e_server.py: the threaded HTTP server the end-to-end scripts' Python
servers share (acme-server.py, fault-proxy.py), on loopback only, over
TLS when given a certificate.

    from e2e_server import serve
    srv = serve(PORT, Handler, cert=PEM, key=PEM)   # cert None: plain HTTP
    srv.serve_forever()

A script imports it from its own folder (python3 puts the script's folder
first on sys.path); it reaches the tarball with tests/e2e (Makefile.am
DIST_DIRS). One thread per connection, daemon threads (a server that
stops does not wait for its clients), the port reusable at once.
"""
import http.server
import socketserver
import ssl


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def serve(port, handler, cert=None, key=None):
    """A Server for handler on 127.0.0.1:port, its listening socket
    wrapped in TLS with cert and key (PEM files) when cert is given."""
    srv = Server(("127.0.0.1", port), handler)
    if cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    return srv
