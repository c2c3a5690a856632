"""klpm: scheduling LLM queries with prefix reuse under TTFT limits (the ``klpm`` CLI lives here)."""
__version__ = "0.1.0"
