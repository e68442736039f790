"""The pipeline: load -> validate -> cards -> identity -> package, in that order, nothing else."""

from pathdeck.pipeline.batch import (
    SPLITS,
    SplitReport,
    build_split,
    build_split_with,
    split_packages,
)
from pathdeck.pipeline.options import BuildOptions
from pathdeck.pipeline.recovery import RecoveryReport, recover
from pathdeck.pipeline.run import (
    BUILD_STEPS,
    BuildReport,
    CheckReport,
    build,
    build_with,
    check,
    default_output,
    outline,
    plan,
)

__all__ = [
    "BUILD_STEPS",
    "SPLITS",
    "BuildOptions",
    "BuildReport",
    "CheckReport",
    "RecoveryReport",
    "SplitReport",
    "build",
    "build_split",
    "build_split_with",
    "build_with",
    "check",
    "default_output",
    "outline",
    "plan",
    "recover",
    "split_packages",
]
