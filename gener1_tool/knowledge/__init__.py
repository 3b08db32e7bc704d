"""Knowledge: source plugins, the KB store, the default human KB recipe and the warm-up corpus writer."""
