"""The library view: table model, panel, browsers and details."""
