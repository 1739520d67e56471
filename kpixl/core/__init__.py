"""The pure core: rules, scoring, bands, findings. No workbook libraries here."""
