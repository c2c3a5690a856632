"""klpm.theory: the formal model (instances, cache models, the evaluator, the radix tree,
workloads, trace importers, derived bounds). Imports no other klpm package."""
from theory.errors import InstanceError
from theory.evaluate import Evaluation, Step, Timeline, evaluate, order_from_ids
from theory.instance import CostModel, Instance, Query
from theory.instance_io import dumps_instance, load_instance, loads_instance, parse_instance, save_instance

__all__ = ["InstanceError", "Evaluation", "Step", "Timeline", "evaluate", "order_from_ids",
           "CostModel", "Instance", "Query", "dumps_instance", "load_instance", "loads_instance",
           "parse_instance", "save_instance"]
