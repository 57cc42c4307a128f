"""The error the analyst sees when a training run cannot start, resume or finish."""

from privdesk.core.errors import PrivDeskError


class TrainingError(PrivDeskError):
    """Bad training settings, a run folder that does not fit, or a key that does not open a checkpoint."""
