"""Offline, self-contained HTML reports: inline CSS, plots embedded as base64 PNGs, no external assets.

``html`` holds the page helpers; ``evaluation`` renders ``gener1 evaluate`` results.
"""
