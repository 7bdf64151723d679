"""The bundled demo: a small fictional journal site in T&F markup, and its server.

`paperwall demo` serves it on a loopback port, crawls it and prints what was
stored; tests use `paperwall.demo.server.DemoServer` as a real HTTP server.
"""
