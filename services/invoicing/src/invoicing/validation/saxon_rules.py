"""Running compiled Schematron with saxonche, and reading its SVRL-like answer.

Threading, as measured with saxonche 13.1.1 (SaxonC-HE, a GraalVM native image):
- a compiled PyXsltExecutable is not thread-safe (its docstring says so): every thread gets
  its own clone();
- a transformation holds the GIL from start to end (a Python thread ticking every
  millisecond stood still for the whole 0.43 s of a long transform, and two threads took as
  long as one thread doing both jobs). Threads therefore give no parallelism and a thread
  pool would freeze an asyncio event loop for the length of a validation; see
  invoicing.validation.workers for the process pool that validate_async uses.
"""

from __future__ import annotations

import threading
from functools import cache

from lxml import etree
from saxonche import PySaxonApiError, PySaxonProcessor, PyXdmNode, PyXsltExecutable

from invoicing.validation.findings import Finding, Severity
from invoicing.validation.schematron import SVRL, CompiledSchematron

# Saxon features: no URI of any scheme may be read by a stylesheet (doc(), unparsed-text(),
# collection(), xsl:include/import) nor by the XML parser, and no document may carry a DTD.
ALLOWED_PROTOCOLS = "http://saxon.sf.net/feature/allowedProtocols"
DISALLOW_DOCTYPE = (
    "http://saxon.sf.net/feature/parserFeature?uri="
    "http://apache.org/xml/features/disallow-doctype-decl"
)
WARNING_FLAGS = {"warning", "warn", "information", "info"}


class SchematronRuntimeError(RuntimeError):
    """A rule set could not be compiled by Saxon."""


@cache
def saxon() -> PySaxonProcessor:
    """The one Saxon processor of this process, locked down against any fetch."""
    processor = PySaxonProcessor(license=False)
    processor.set_configuration_property(ALLOWED_PROTOCOLS, "")
    processor.set_configuration_property(DISALLOW_DOCTYPE, "true")
    return processor


def to_saxon(root: etree._Element) -> PyXdmNode:
    """Hand an lxml tree (parsed safely, so without DTD or entities) to Saxon."""
    return saxon().parse_xml(xml_text=etree.tostring(root, encoding="unicode"), encoding="UTF-8")


class SaxonRuleSet:
    """One compiled rule set; run() may be called from any thread."""

    def __init__(self, name: str, compiled: CompiledSchematron) -> None:
        self.name = name
        self.compiled = compiled
        try:
            self._executable = (
                saxon()
                .new_xslt30_processor()
                .compile_stylesheet(stylesheet_text=compiled.xslt, encoding="UTF-8")
            )
        except PySaxonApiError as error:
            raise SchematronRuntimeError(
                f"Saxon could not compile the {name} rules: {error}"
            ) from error
        self._local = threading.local()
        self._local.executable = self._executable

    def _for_this_thread(self) -> PyXsltExecutable:
        executable: PyXsltExecutable | None = getattr(self._local, "executable", None)
        if executable is None:
            executable = self._executable.clone()
            self._local.executable = executable
        return executable

    def raw(self, document: PyXdmNode) -> str:
        """The stylesheet's output as it comes (the bench's bare reference)."""
        return str(self._for_this_thread().transform_to_string(xdm_node=document))

    def run(self, document: PyXdmNode) -> list[Finding]:
        """The findings of this rule set on one document."""
        try:
            output = self.raw(document)
        except PySaxonApiError as error:
            # Only what xsl:try cannot contain gets here (an error in a global variable).
            return [
                Finding(
                    rule=f"{self.name}-EVALUATION",
                    severity="fatal",
                    message=f"The {self.name} rules could not be evaluated on this document: "
                    f"{' '.join(str(error).split())}",
                    location=None,
                )
            ]
        return findings_in(output)


def findings_in(svrl: str) -> list[Finding]:
    """Failed asserts and successful reports of an SVRL-like document."""
    findings = []
    for record in etree.fromstring(svrl.encode("utf-8")):
        if record.tag not in (f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
            continue
        text = record.find(f"{{{SVRL}}}text")
        message = " ".join("".join(text.itertext()).split()) if text is not None else ""
        findings.append(
            Finding(
                rule=record.get("id") or "UNNAMED-RULE",
                severity=_severity(record.get("flag")),
                message=message,
                location=record.get("location"),
            )
        )
    return findings


def _severity(flag: str | None) -> Severity:
    return "warning" if (flag or "").lower() in WARNING_FLAGS else "fatal"
