"""The risk report: one model of plain values, rendered as HTML, PDF and JSON."""

from assess.report.model import ReportModel, build, reference_for
from assess.report.render import RenderError, render_html, render_pdf

__all__ = ["RenderError", "ReportModel", "build", "reference_for", "render_html", "render_pdf"]
