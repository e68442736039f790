"""The validate stage: nodes -> Curriculum, every Problem at once (schema, stage and course rules)."""

from pathdeck.validate.checker import PLACEHOLDER
from pathdeck.validate.course import Report, check_course, merge, refuse_placeholders, validate
from pathdeck.validate.stage import CourseCheck, StageCheck, check_stage

__all__ = [
    "PLACEHOLDER",
    "CourseCheck",
    "Report",
    "StageCheck",
    "check_course",
    "check_stage",
    "merge",
    "refuse_placeholders",
    "validate",
]
