"""Sub-commands of the ``klpm`` CLI, one module each (discovered automatically)."""
