"""Our own small ISO Schematron compiler: one .sch file in, one XSLT stylesheet (text) out.

What it understands is what the official EN 16931 and Peppol BIS files use, and a little more:
`ns` declarations, `let` at schema, pattern and rule level, patterns of rules with a `context`,
`assert`/`report` with `id`, `flag` and a message holding `value-of`, `name`, `emph`, `dir` and
`span`, phases (the `defaultPhase`, else all patterns), and foreign `xsl:*` declarations
(functions, keys) copied as they are. Abstract rules/patterns and includes are refused, not
silently skipped, so a rules file we cannot run fully never looks valid.

The stylesheet answers in an SVRL-like document: one `svrl:failed-assert` or
`svrl:successful-report` per finding, with `id`, `flag`, `location` (an XPath with the usual UBL
prefixes) and `svrl:text`. No `fired-rule`/`active-pattern` records: they would be thousands
on a large invoice and nobody reads them.

The rules run with XSLT 2.0 semantics (the files' query binding), compiled the way the ISO
skeleton does it: a mode per pattern, a template per rule with earlier rules at higher
priority, schema and pattern lets as global variables. The one XSLT 3.0 instruction used is
xsl:try around each assertion (so the stylesheet says version="3.0"): a dynamic error in one
test becomes a finding of that rule instead of ending the whole run without any findings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

SCH = "http://purl.oclc.org/dsdl/schematron"
XSL = "http://www.w3.org/1999/XSL/Transform"
SVRL = "http://purl.oclc.org/dsdl/svrl"
XS = "http://www.w3.org/2001/XMLSchema"
ERR = "http://www.w3.org/2005/xqt-errors"
# Our own helper functions (the location of a node) live in a namespace no rules file uses.
HELPER = "urn:einvoice-platform:schematron-compiler"
HELPER_PREFIX = "schc"
COMPILER_VERSION = "1"

# The prefixes a reader of a location expects; anything else is written as *:local-name.
LOCATION_PREFIXES = {
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2": "ubl",
    "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2": "cn",
    "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2": "cac",
    "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2": "cbc",
    "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2": "ext",
}


class SchematronCompileError(ValueError):
    """The .sch file uses something this compiler does not support, or is malformed."""


@dataclass(frozen=True)
class CompiledSchematron:
    """The XSLT text of one rules file and what it holds."""

    name: str
    xslt: str
    rule_ids: frozenset[str]


def compile_schematron(sch: bytes, name: str = "schematron") -> CompiledSchematron:
    """Compile ISO Schematron (XSLT 2 query binding) to XSLT (2.0 plus xsl:try)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        schema = etree.fromstring(sch, parser)
    except etree.XMLSyntaxError as error:
        raise SchematronCompileError(f"{name}: not well-formed: {error}") from error
    if schema.tag != f"{{{SCH}}}schema":
        raise SchematronCompileError(f"{name}: the root is {schema.tag}, not an ISO sch:schema")
    binding = (schema.get("queryBinding") or "xslt").lower()
    if binding not in {"xslt2", "xslt3", "xpath2", "xpath3", "xpath31"}:
        raise SchematronCompileError(f"{name}: query binding {binding!r} is not XSLT/XPath 2+")
    _refuse_unsupported(schema, name)
    return _Compiler(schema, name).compile()


def _refuse_unsupported(schema: etree._Element, name: str) -> None:
    for element in schema.iter(f"{{{SCH}}}*"):
        local = etree.QName(element).localname
        if local in {"include", "extends"} or element.get("abstract") == "true":
            raise SchematronCompileError(
                f"{name}: sch:{local} (abstract rules/patterns, includes) is not supported"
            )
        if local == "pattern" and element.get("is-a"):
            raise SchematronCompileError(f"{name}: abstract pattern instances are not supported")


def _children(element: etree._Element, local: str) -> list[etree._Element]:
    return list(element.iterchildren(f"{{{SCH}}}{local}"))


class _Compiler:
    def __init__(self, schema: etree._Element, name: str) -> None:
        self.schema = schema
        self.name = name
        self.namespaces = self._namespaces()
        self.rule_ids: set[str] = set()

    def _namespaces(self) -> dict[str, str]:
        namespaces = {"xsl": XSL, "xs": XS, "svrl": SVRL, "err": ERR, HELPER_PREFIX: HELPER}
        for ns in _children(self.schema, "ns"):
            prefix, uri = ns.get("prefix"), ns.get("uri")
            if not prefix or uri is None:
                raise SchematronCompileError(f"{self.name}: sch:ns needs prefix and uri")
            if namespaces.get(prefix, uri) != uri:
                raise SchematronCompileError(
                    f"{self.name}: prefix {prefix!r} is bound to {namespaces[prefix]} already"
                )
            namespaces[prefix] = uri
        return namespaces

    def compile(self) -> CompiledSchematron:
        sheet = etree.Element(f"{{{XSL}}}stylesheet", nsmap=self.namespaces)
        sheet.set("version", "3.0")  # XSLT 2.0 throughout, but for xsl:try (see _check)
        sheet.set("exclude-result-prefixes", "#all")
        output = etree.SubElement(sheet, f"{{{XSL}}}output")
        output.set("method", "xml")
        output.set("indent", "no")
        output.set("encoding", "UTF-8")
        _append_location_functions(sheet)
        for child in self.schema:
            if not isinstance(child.tag, str):
                continue
            if child.tag == f"{{{SCH}}}let":
                sheet.append(_variable(child))
            elif etree.QName(child).namespace == XSL:
                sheet.append(_copy(child))
        patterns = self._active_patterns()
        for pattern in patterns:  # pattern-level lets are global in XSLT, as in the ISO skeleton
            for let in _children(pattern, "let"):
                sheet.append(_variable(let))
        root = etree.SubElement(sheet, f"{{{XSL}}}template", match="/")
        report = etree.SubElement(root, f"{{{SVRL}}}schematron-output")
        report.set("title", _text(self.schema.find(f"{{{SCH}}}title")))
        for index, pattern in enumerate(patterns):
            mode = f"M{index}"
            apply = etree.SubElement(report, f"{{{XSL}}}apply-templates", select="/")
            apply.set("mode", mode)
            self._pattern(sheet, pattern, mode)
        xslt = etree.tostring(sheet, encoding="unicode")
        return CompiledSchematron(self.name, xslt, frozenset(self.rule_ids))

    def _active_patterns(self) -> list[etree._Element]:
        patterns = _children(self.schema, "pattern")
        phase_id = self.schema.get("defaultPhase")
        if not phase_id or phase_id == "#ALL":
            return patterns
        for phase in _children(self.schema, "phase"):
            if phase.get("id") == phase_id:
                active = {a.get("pattern") for a in _children(phase, "active")}
                return [p for p in patterns if p.get("id") in active]
        raise SchematronCompileError(f"{self.name}: defaultPhase {phase_id!r} is not defined")

    def _pattern(self, sheet: etree._Element, pattern: etree._Element, mode: str) -> None:
        rules = _children(pattern, "rule")
        # ISO Schematron: a node is checked by the first rule of a pattern whose context
        # matches it, so earlier rules get higher priorities.
        visit_attributes = any(_may_match_attribute(r.get("context", "")) for r in rules)
        descend = "@*|*" if visit_attributes else "*"
        for position, rule in enumerate(rules):
            context = rule.get("context")
            if not context:
                raise SchematronCompileError(f"{self.name}: a rule without a context")
            template = etree.SubElement(sheet, f"{{{XSL}}}template", match=context)
            template.set("priority", str(1000 + len(rules) - position))
            template.set("mode", mode)
            lets = _children(rule, "let")
            for check in rule.iterchildren(f"{{{SCH}}}assert", f"{{{SCH}}}report"):
                is_assert = etree.QName(check).localname == "assert"
                template.append(self._check(check, is_assert, lets))
            etree.SubElement(template, f"{{{XSL}}}apply-templates", select=descend, mode=mode)
        fallback = etree.SubElement(sheet, f"{{{XSL}}}template", match="/|*", mode=mode)
        fallback.set("priority", "-2")
        etree.SubElement(fallback, f"{{{XSL}}}apply-templates", select=descend, mode=mode)
        if visit_attributes:
            etree.SubElement(sheet, f"{{{XSL}}}template", match="@*", mode=mode, priority="-2")

    def _check(
        self, check: etree._Element, is_assert: bool, lets: list[etree._Element]
    ) -> etree._Element:
        test = check.get("test")
        if test is None:
            raise SchematronCompileError(f"{self.name}: an assert/report without a test")
        rule_id = check.get("id") or ""
        if rule_id:
            self.rule_ids.add(rule_id)
        # A dynamic error in one test (xs:decimal('') on a value the XSD let through, a
        # checksum function on letters) would end the whole transformation; contained per
        # assertion, it becomes a finding of that very rule, saying what could not be read.
        # The rule's lets go inside each xsl:try (Saxon drops those a test does not use),
        # so an error in a let is contained too.
        attempt = etree.Element(f"{{{XSL}}}try")
        for let in lets:
            attempt.append(_variable(let))
        condition = etree.SubElement(
            attempt, f"{{{XSL}}}if", test=f"not({test})" if is_assert else test
        )
        _message(check, self._finding(condition, check, is_assert), dynamic=True)
        failure = self._finding(etree.SubElement(attempt, f"{{{XSL}}}catch"), check, is_assert)
        # The catch cannot see the lets, so its message keeps only the rule's fixed text.
        _message(check, failure, dynamic=False)
        _literal(failure, " (this rule could not be evaluated here: ")
        etree.SubElement(failure, f"{{{XSL}}}value-of", select="$err:description")
        _literal(failure, ")")
        return attempt

    def _finding(
        self, parent: etree._Element, check: etree._Element, is_assert: bool
    ) -> etree._Element:
        tag = "failed-assert" if is_assert else "successful-report"
        finding = etree.SubElement(parent, f"{{{SVRL}}}{tag}")
        finding.set("id", _literal_avt(check.get("id") or ""))
        finding.set("flag", _literal_avt(check.get("flag") or ""))
        finding.set("location", f"{{{HELPER_PREFIX}:location(.)}}")
        return etree.SubElement(finding, f"{{{SVRL}}}text")


def _message(source: etree._Element, target: etree._Element, *, dynamic: bool) -> None:
    """Copy an assertion's mixed-content message as XSLT instructions; without `dynamic`,
    only its fixed text (no value-of, no name)."""
    _literal(target, source.text)
    for part in source:
        if isinstance(part.tag, str):
            local = etree.QName(part).localname
            if part.tag == f"{{{SCH}}}value-of" and dynamic:
                etree.SubElement(target, f"{{{XSL}}}value-of", select=part.get("select", "."))
            elif part.tag == f"{{{SCH}}}name" and dynamic:
                path = part.get("path") or "."
                etree.SubElement(target, f"{{{XSL}}}value-of", select=f"name({path})")
            elif etree.QName(part).namespace == SCH and local in {"emph", "dir", "span"}:
                _message(part, target, dynamic=dynamic)
        _literal(target, part.tail)


def _literal(target: etree._Element, text: str | None) -> None:
    if text:
        etree.SubElement(target, f"{{{XSL}}}text").text = text


def _variable(let: etree._Element) -> etree._Element:
    variable = etree.Element(f"{{{XSL}}}variable", name=let.get("name", ""))
    if let.get("value") is not None:
        variable.set("select", let.get("value", ""))
    else:  # a let with content: the content is the value
        variable.text = let.text
        for child in let:
            variable.append(_copy(child))
    return variable


def _copy(element: etree._Element) -> etree._Element:
    copied: etree._Element = etree.fromstring(etree.tostring(element))
    return copied


def _text(element: etree._Element | None) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def _literal_avt(value: str) -> str:
    return value.replace("{", "{{").replace("}", "}}")


_STRINGS = re.compile(r"'[^']*'|\"[^\"]*\"")


def _may_match_attribute(context: str) -> bool:
    """Whether a rule context can select attribute nodes (outside its predicates)."""
    text = _STRINGS.sub("''", context)
    depth, outside = 0, []
    for char in text:
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif depth == 0:
            outside.append(char)
    steps = "".join(outside)
    return "@" in steps or "attribute::" in steps


def _append_location_functions(sheet: etree._Element) -> None:
    """schc:location(node): /ubl:Invoice/cac:InvoiceLine[2]/cbc:ID, positions only if needed."""
    prefix_of = " else ".join(
        f"if ($uri eq '{uri}') then '{prefix}:'" for uri, prefix in LOCATION_PREFIXES.items()
    )
    functions = f"""
    <xsl:stylesheet xmlns:xsl="{XSL}" xmlns:xs="{XS}" xmlns:{HELPER_PREFIX}="{HELPER}">
      <xsl:function name="{HELPER_PREFIX}:location" as="xs:string">
        <xsl:param name="node" as="node()"/>
        <xsl:sequence select="string-join(for $n in $node/ancestor-or-self::node()[parent::node()]
                                          return {HELPER_PREFIX}:step($n), '')"/>
      </xsl:function>
      <xsl:function name="{HELPER_PREFIX}:name" as="xs:string">
        <xsl:param name="n" as="node()"/>
        <xsl:variable name="uri" select="namespace-uri($n)"/>
        <xsl:sequence select="if ($uri eq '') then local-name($n)
            else concat({prefix_of} else '*:', local-name($n))"/>
      </xsl:function>
      <xsl:function name="{HELPER_PREFIX}:step" as="xs:string">
        <xsl:param name="n" as="node()"/>
        <xsl:choose>
          <xsl:when test="$n instance of attribute()">
            <xsl:sequence select="concat('/@', {HELPER_PREFIX}:name($n))"/>
          </xsl:when>
          <xsl:when test="$n instance of element()">
            <xsl:variable name="namesakes" select="$n/../*[node-name(.) eq node-name($n)]"/>
            <xsl:variable name="before"
                select="count($n/preceding-sibling::*[node-name(.) eq node-name($n)])"/>
            <xsl:sequence select="concat('/', {HELPER_PREFIX}:name($n),
                if (count($namesakes) gt 1) then concat('[', $before + 1, ']') else '')"/>
          </xsl:when>
          <xsl:otherwise>
            <xsl:sequence
                select="concat('/node()[', count($n/preceding-sibling::node()) + 1, ']')"/>
          </xsl:otherwise>
        </xsl:choose>
      </xsl:function>
    </xsl:stylesheet>"""
    for function in etree.fromstring(functions):
        if isinstance(function.tag, str):
            sheet.append(function)
