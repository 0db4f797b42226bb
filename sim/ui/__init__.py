"""User interfaces: the command line, figures, the HTML report, the web app and generated docs.

They import the core; the core never imports them.
"""
