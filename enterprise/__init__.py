"""The enterprise portal's "企业纾困" entry: companies ask for help through their contacts."""
