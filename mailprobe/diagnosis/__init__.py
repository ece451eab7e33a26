"""The diagnosis: rules turn evidence into causes; the catalogue gives each cause its texts and remedies."""
