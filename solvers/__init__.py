"""klpm.solvers: online policies, the simulator, and exact formulations (imports theory only)."""
