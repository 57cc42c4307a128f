"""Live training charts: loss per step, ε spent against the target, and throughput (steps/s) with the ETA."""

from __future__ import annotations

from typing import Any, Iterable

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

from privdesk.core.train import TrainProgress
from privdesk.gui.palette import STATE_COLOURS

TRAIN_COLOUR = STATE_COLOURS["in progress"][0]
HELD_OUT_COLOUR = STATE_COLOURS["unreviewed"][0]
EPSILON_COLOUR = STATE_COLOURS["done"][0]
TARGET_COLOUR = "#c0392b"
SPEED_COLOUR = STATE_COLOURS["no findings"][1]


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


class TrainCharts(QWidget):
    """Three stacked axes on one figure; points are appended as progress reports arrive."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainCharts")
        self.figure = Figure(figsize=(6, 6), layout="constrained")
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.canvas.setMinimumSize(320, 360)  # below this the three axes collapse and the layout gives up
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas)
        self.loss_axes, self.epsilon_axes, self.speed_axes = self.figure.subplots(3, 1, sharex=True)
        self.loss_line, = self.loss_axes.plot([], [], color=TRAIN_COLOUR, label="training loss")
        self.held_out_line, = self.loss_axes.plot([], [], color=HELD_OUT_COLOUR, marker="o", linestyle="--",
                                                  label="held-out loss")
        self.epsilon_line, = self.epsilon_axes.plot([], [], color=EPSILON_COLOUR, label="ε spent (PRV)")
        self.target_line = self.epsilon_axes.axhline(0.0, color=TARGET_COLOUR, linestyle=":", label="target ε")
        self.speed_line, = self.speed_axes.plot([], [], color=SPEED_COLOUR, label="steps/s")
        self.loss_axes.set_ylabel("loss")
        self.epsilon_axes.set_ylabel("ε")
        self.speed_axes.set_ylabel("steps/s")
        self.speed_axes.set_xlabel("step")
        self.speed_axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        for axes in (self.loss_axes, self.epsilon_axes, self.speed_axes):
            axes.grid(True, alpha=0.3)
            axes.legend(loc="upper right", fontsize="small")
        self._last_point: tuple[int, float] | None = None
        self.reset()

    # ---- data ---------------------------------------------------------------------------------------

    def reset(self, total_steps: int = 0, target_epsilon: float | None = None) -> None:
        """Clear every line; draw the target ε (hidden for a non-private run)."""
        self.loss = ([], [])
        self.held_out = ([], [])
        self.epsilon = ([], [])
        self.speed = ([], [])
        self._last_point = None
        self.total_steps = total_steps
        self.target_line.set_visible(target_epsilon is not None)
        if target_epsilon is not None:
            self.target_line.set_ydata([target_epsilon, target_epsilon])
        self._target = target_epsilon
        self.speed_axes.set_title("")
        self._redraw()

    def load_history(self, metrics: Iterable[dict[str, Any]], total_steps: int, target_epsilon: float | None,
                     final_held_out_loss: float | None = None) -> None:
        """Show a run's stored metrics.json (a finished run, or the part before a resume); the final held-out
        loss, measured after the last step, is not in metrics.json and is drawn on the last step."""
        self.reset(total_steps, target_epsilon)
        previous: tuple[int, float] | None = None
        for point in metrics:
            step, elapsed = int(point.get("step", 0)), float(point.get("elapsed_s", 0.0))
            self._append(step, point.get("loss"), point.get("held_out_loss"), point.get("epsilon_prv"))
            if previous is not None and elapsed > previous[1] and step > previous[0]:
                self._append_xy(self.speed, step, (step - previous[0]) / (elapsed - previous[1]))
            previous = (step, elapsed)
        self._last_point = previous
        if final_held_out_loss is not None and previous is not None:
            self._append_xy(self.held_out, previous[0], float(final_held_out_loss))
        self._redraw()

    def add_progress(self, report: TrainProgress) -> None:
        """Append one step's numbers; reports of other phases only refresh the ETA line."""
        if report.total_steps:
            self.total_steps = report.total_steps
        if report.phase == "training" and report.step > 0 and (not self.loss[0] or report.step > self.loss[0][-1]):
            fresh_epsilon = report.epsilon_prv if report.epsilon_step == report.step else None
            self._append(report.step, report.loss, report.held_out_loss, fresh_epsilon)
            if self._last_point is not None and report.elapsed_s > self._last_point[1]:
                steps = report.step - self._last_point[0]
                self._append_xy(self.speed, report.step, steps / (report.elapsed_s - self._last_point[1]))
            self._last_point = (report.step, report.elapsed_s)
        elif report.phase == "done" and report.held_out_loss is not None and report.step:
            self._append_xy(self.held_out, report.step, report.held_out_loss)
        self.speed_axes.set_title(self.eta_text(report), fontsize="small", loc="left")
        self._redraw()

    @staticmethod
    def eta_text(report: TrainProgress) -> str:
        return f"step {report.step}/{report.total_steps} · {report.phase} · ETA {format_duration(report.eta_s)}"

    def _append(self, step: int, loss: Any, held_out: Any, epsilon: Any) -> None:
        if loss is not None:
            self._append_xy(self.loss, step, float(loss))
        if held_out is not None and (not self.held_out[1] or self.held_out[1][-1] != held_out):
            self._append_xy(self.held_out, step, float(held_out))
        if epsilon is not None:
            self._append_xy(self.epsilon, step, float(epsilon))

    @staticmethod
    def _append_xy(series: tuple[list, list], x: float, y: float) -> None:
        series[0].append(x)
        series[1].append(y)

    # ---- drawing ------------------------------------------------------------------------------------

    def _redraw(self) -> None:
        for line, series in ((self.loss_line, self.loss), (self.held_out_line, self.held_out),
                             (self.epsilon_line, self.epsilon), (self.speed_line, self.speed)):
            line.set_data(*series)
        for axes in (self.loss_axes, self.epsilon_axes, self.speed_axes):
            axes.relim(visible_only=True)
            axes.autoscale_view()
        right = max(self.total_steps, self.loss[0][-1] if self.loss[0] else 0, 1)
        self.loss_axes.set_xlim(0, right * 1.03)  # room for the final held-out point on the last step
        if self._target is not None:
            top = max([self._target, *self.epsilon[1]]) * 1.1
            self.epsilon_axes.set_ylim(0, top)
        self.canvas.draw_idle()
