"""Pure pipeline stages (no Django): fetch → feeds → extract. Typed functions over plain data."""
