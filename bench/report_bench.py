"""Report benchmarks (run by bench.py in child processes so that peak memory is per measurement).

`python bench/report_bench.py ours|bare N`: render the largest shipped scenario's PDF N times,
through assess (`ours`) or with bare WeasyPrint on the same HTML and CSS (`bare`); print the median
seconds and the peak resident memory.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from flask import g
from flask_babel import force_locale
from weasyprint import CSS, HTML

from assess import create_app
from assess.answers import loads
from assess.paths import resource as folder
from assess.report import build, reference_for, render_html, render_pdf
from assess.scoring import score

SCENARIOS = folder("questionnaires") / "partnership-screening" / "scenarios"


def largest() -> Path:
    return max(SCENARIOS.glob("*.json"), key=lambda p: len(json.loads(p.read_text())["answers"]))


def main() -> None:
    mode, n = sys.argv[1], int(sys.argv[2])
    tmp = Path(tempfile.mkdtemp(prefix="assess-bench-"))
    app = create_app({"SECRET_KEY": "bench", "INSTANCE_PATH": str(tmp)})
    registry = app.extensions["assess.registry"]
    path = largest()
    data = loads(path.read_bytes(), registry)
    definition = registry.get(data.questionnaire, data.version)
    result = score(definition, data.answers, data.mitigations)
    times = []
    with app.test_request_context(), force_locale("en"):
        g.lang = "en"
        model = build(
            definition, data, result, "en", reference_for(data.sha256()), datetime.now(UTC)
        )
        html = render_html(model, "a4", for_pdf=True)
        css = (folder("static") / "report.css").read_text()
        for _ in range(n):
            start = time.perf_counter()
            if mode == "ours":
                pdf = render_pdf(model, "a4")
            else:
                pdf = HTML(string=html).write_pdf(
                    stylesheets=[CSS(string=css), CSS(string="@page { size: A4; }")],
                    pdf_variant="pdf/ua-1",
                )
            times.append(time.perf_counter() - start)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "median": statistics.median(times),
                "peak_mib": peak_mib,
                "bytes": len(pdf),
                "scenario": path.stem,
            }
        )
    )


if __name__ == "__main__":
    main()
