"""Subprocess entry point: ``python -m benchmarks._case module:function '<json params>'``."""

import importlib
import json
import sys


def main():
    target, params = sys.argv[1], json.loads(sys.argv[2])
    module, function = target.split(":")
    result = getattr(importlib.import_module(f"benchmarks.{module}"), function)(**params)
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
