# SPDX-License-Identifier: ISC
"""A tiny smart-HTTP git server: git-http-backend behind Python's CGI
handler, as a web server's user would run it (thin environment)."""
import os
import sys
from http.server import CGIHTTPRequestHandler, ThreadingHTTPServer


class Handler(CGIHTTPRequestHandler):
    cgi_directories = ["/cgi-bin"]

    def log_message(self, fmt, *args):
        pass


def main():
    root, port_file = sys.argv[1], sys.argv[2]
    os.chdir(root)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
